package io.qtune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFileTest {
    @TempDir
    Path dir;

    @Test
    void aFifoOrADeviceIsRefusedAtOnce() throws Exception {
        Path fifo = OutputPathsTest.fifo(dir.resolve("model.pb"));
        // opening a FIFO for reading blocks until a writer comes: the check must not open it
        QtuneException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(QtuneException.class, () -> ModelFile.read(fifo)));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
        e = assertThrows(QtuneException.class, () -> ModelFile.read(Path.of("/dev/zero")));
        assertTrue(e.getMessage().contains("/dev/zero: not a regular file"), e.getMessage());
        e = assertThrows(QtuneException.class, () -> ModelFile.read(dir));
        assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
        e = assertThrows(QtuneException.class, () -> ModelFile.read(dir.resolve("missing.pb")));
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
    }

    @Test
    void theSizeIsBounded() throws Exception {
        Path f = Files.write(dir.resolve("m.pb"), new byte[100]);
        assertArrayEquals(new byte[100], ModelFile.read(f, 100));
        QtuneException e = assertThrows(QtuneException.class, () -> ModelFile.read(f, 99));
        assertTrue(e.getMessage().contains("100 bytes is more than the 99"), e.getMessage());
    }
}
