package io.qtune.loadgen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import io.qtune.data.LabelOffset;
import io.qtune.data.LabeledImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccuracyLogTest {
    @TempDir
    Path dir;

    @Test
    void roundTripAndLoadGensByteFormat() throws Exception {
        List<AccuracyLog.Entry> entries = List.of(
                new AccuracyLog.Entry(0, 17, AccuracyLog.float32Bytes(new float[] {1f})),
                new AccuracyLog.Entry(1, 3, AccuracyLog.float32Bytes(new float[] {65f, 0.5f})),
                new AccuracyLog.Entry(2, 17, new byte[0]));
        Path f = dir.resolve("mlperf_log_accuracy.json");
        AccuracyLog.write(f, entries);
        String text = Files.readString(f);
        // 1.0f is 0x3F800000, little-endian bytes 00 00 80 3F; 65.0f is 0x42820000
        assertTrue(text.contains("{\"seq_id\":0,\"qsl_idx\":17,\"data\":\"0000803F\"}"), text);
        assertTrue(text.contains("\"data\":\"000082420000003F\""), text);
        List<AccuracyLog.Entry> back = AccuracyLog.read(f);
        assertEquals(3, back.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(entries.get(i).seqId(), back.get(i).seqId());
            assertEquals(entries.get(i).qslIdx(), back.get(i).qslIdx());
            assertArrayEquals(entries.get(i).data(), back.get(i).data());
        }
        assertEquals(65f, back.get(1).firstFloat());
    }

    @Test
    void readsLoadGensOwnSpacingAndLowerCase() throws Exception {
        Path f = dir.resolve("log.json");
        Files.writeString(f, "[\n{ \"seq_id\" : 4, \"qsl_idx\" : 9, \"data\" : \"0000a040\" }\n]\n");
        AccuracyLog.Entry e = AccuracyLog.read(f).get(0);
        assertEquals(9, e.qslIdx());
        assertEquals(5f, e.firstFloat());
    }

    @Test
    void malformedLogsAreOneLineErrors() throws Exception {
        Path f = dir.resolve("bad.json");
        Files.writeString(f, "[{\"seq_id\":0,\"qsl_idx\":1,\"data\":\"XYZ\"}]");
        QtuneException e = assertThrows(QtuneException.class, () -> AccuracyLog.read(f));
        assertTrue(e.getMessage().contains("entry 0") && e.getMessage().contains("not hex"), e.getMessage());
        Files.writeString(f, "[{\"seq_id\":0,\"data\":\"00\"}]");
        e = assertThrows(QtuneException.class, () -> AccuracyLog.read(f));
        assertTrue(e.getMessage().contains("qsl_idx"), e.getMessage());
        Files.writeString(f, "{\"oops\":");
        e = assertThrows(QtuneException.class, () -> AccuracyLog.read(f));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
        e = assertThrows(QtuneException.class, () -> AccuracyLog.read(dir.resolve("none.json")));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    /** accuracy-imagenet.py's rule: first entry per qsl_idx counts, duplicates ignored, class = label + offset. */
    @Test
    void scoreCountsEachSampleOnceWithTheOffset() {
        int[] labels = {0, 1, 2, 3};
        LabeledImages data = new LabeledImages() {
            public int size() { return 4; }
            public int height() { return 1; }
            public int width() { return 1; }
            public int numLabels() { return 4; }
            public int label(int i) { return labels[i]; }
            public String id(int i) { return "img" + i; }
            public void load(int i, float[] dst, int offset) {}
        };
        LabelOffset offset = LabelOffset.resolve(4, 5, OptionalInt.empty()); // background class 0: offset 1
        List<AccuracyLog.Entry> entries = List.of(
                entry(0, 0, 1), // right (label 0 -> class 1)
                entry(1, 1, 1), // wrong
                entry(2, 1, 2), // duplicate of qsl 1: ignored although right
                entry(3, 3, 4)); // right
        AccuracyScore s = AccuracyScore.of(entries, data, offset);
        assertEquals(2, s.good());
        assertEquals(3, s.total());
        assertEquals(1, s.duplicates());
        QtuneException e = assertThrows(QtuneException.class, () -> AccuracyScore.of(List.of(entry(7, 9, 1)), data, offset));
        assertTrue(e.getMessage().contains("seq_id 7") && e.getMessage().contains("qsl_idx 9"), e.getMessage());
    }

    private static AccuracyLog.Entry entry(int seq, int idx, float cls) {
        return new AccuracyLog.Entry(seq, idx, AccuracyLog.float32Bytes(new float[] {cls}));
    }
}
