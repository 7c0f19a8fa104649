package io.qtune.data;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class DebianFashionMnistTest {
    @Test
    void missingDataFailsUnderCiAndSkipsElsewhere() {
        AssertionFailedError f = assertThrows(AssertionFailedError.class, () -> DebianFashionMnist.assumeInstalled(false, "true"));
        assertTrue(f.getMessage().contains("CI=true"), f.getMessage());
        assertThrows(AssertionFailedError.class, () -> DebianFashionMnist.assumeInstalled(false, "1"));
        assertThrows(TestAbortedException.class, () -> DebianFashionMnist.assumeInstalled(false, null));
        assertThrows(TestAbortedException.class, () -> DebianFashionMnist.assumeInstalled(false, "false"));
        assertDoesNotThrow(() -> DebianFashionMnist.assumeInstalled(true, "true"));
        assertDoesNotThrow(() -> DebianFashionMnist.assumeInstalled(true, null));
        assertFalse(DebianFashionMnist.isCi(""));
    }
}
