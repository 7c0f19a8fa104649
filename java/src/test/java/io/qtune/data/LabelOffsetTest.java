package io.qtune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class LabelOffsetTest {
    private static final OptionalInt AUTO = OptionalInt.empty();

    @Test
    void classCountDecidesTheOffset() {
        assertEquals(1, LabelOffset.resolve(1000, 1001, AUTO).offset()); // MLPerf ResNet50: background class 0
        assertEquals(0, LabelOffset.resolve(1000, 1000, AUTO).offset());
        assertEquals(0, LabelOffset.resolve(10, 10, AUTO).offset()); // Fashion-MNIST proxy
        assertEquals(1, LabelOffset.resolve(10, 11, AUTO).offset());
        assertFalse(LabelOffset.resolve(10, 11, AUTO).isExplicit());
    }

    @Test
    void explicitOffsetWins() {
        LabelOffset o = LabelOffset.resolve(1000, 1001, OptionalInt.of(0));
        assertEquals(0, o.offset());
        assertTrue(o.isExplicit());
        assertEquals(991, LabelOffset.resolve(10, 1001, OptionalInt.of(991)).offset());
    }

    @Test
    void imagenetOnATenClassModelSaysWhatWasFound() {
        QtuneException e = assertThrows(QtuneException.class, () -> LabelOffset.resolve(1000, 10, AUTO));
        assertTrue(e.getMessage().contains("10 output classes") && e.getMessage().contains("1000 labels (0..999)"),
                e.getMessage());
        assertTrue(e.getMessage().contains("no offset fits"), e.getMessage());
        assertThrows(QtuneException.class, () -> LabelOffset.resolve(1000, 10, OptionalInt.of(0)));
    }

    @Test
    void ambiguousCountsAskForAnExplicitOffset() {
        QtuneException e = assertThrows(QtuneException.class, () -> LabelOffset.resolve(10, 1001, AUTO));
        assertTrue(e.getMessage().contains("pass labelOffset N with N in 0..991"), e.getMessage());
        // the library names its setting; the CLI says its flag in the same place
        assertTrue(((io.qtune.InvalidSetting) e).messageFor("--label-offset").contains("pass --label-offset N with N in 0..991"));
    }

    @Test
    void offsetPushingALabelPastTheLastOutputIsRejected() {
        QtuneException e = assertThrows(QtuneException.class, () -> LabelOffset.resolve(1000, 1000, OptionalInt.of(1)));
        assertTrue(e.getMessage().contains("maps data set labels 0..999 to model classes 1..1000"), e.getMessage());
        assertTrue(e.getMessage().contains("model has classes 0..999") && e.getMessage().contains("pass labelOffset 0"),
                e.getMessage());
        assertThrows(QtuneException.class, () -> LabelOffset.resolve(1000, 1001, OptionalInt.of(2)));
        assertThrows(QtuneException.class, () -> LabelOffset.resolve(1000, 1001, OptionalInt.of(-1)));
    }

    @Test
    void mapsBothWays() {
        LabelOffset o = LabelOffset.resolve(1000, 1001, AUTO);
        assertEquals(1, o.toModelClass(0));
        assertEquals(1000, o.toModelClass(999));
        assertEquals(999, o.toLabel(1000));
        assertEquals(-1, o.toLabel(0)); // background is never a data set label
        assertThrows(QtuneException.class, () -> o.toModelClass(1000));
        assertThrows(QtuneException.class, () -> o.toModelClass(-1));
        assertThrows(QtuneException.class, () -> o.toLabel(1001));
        assertTrue(o.toString().contains("background class 0"), o.toString());
    }

    @Test
    void checksEveryLabelOfADataSet() {
        BatchLoaderTest.FakeImages ok = new BatchLoaderTest.FakeImages(20, false); // labels 0..6 of 7
        assertEquals(1, LabelOffset.forDataset(ok, 8, AUTO).offset());
        LabeledImages lying = new BatchLoaderTest.FakeImages(20, false) {
            @Override
            public int label(int i) {
                return i == 13 ? 7 : -1; // -1 (unlabelled) is fine, 7 is not one of the 7 labels
            }
        };
        QtuneException e = assertThrows(QtuneException.class, () -> LabelOffset.forDataset(lying, 8, AUTO));
        assertTrue(e.getMessage().startsWith("img13: label 7 is outside"), e.getMessage());
        assertThrows(QtuneException.class, () -> LabelOffset.resolve(0, 10, AUTO));
        assertThrows(QtuneException.class, () -> LabelOffset.resolve(10, 0, AUTO));
    }
}
