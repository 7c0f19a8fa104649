package io.qtune.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run killed while appending a trial leaves a torn last line: detected, reported once, dropped; appends start fresh. */
class TuningHistoryTest {
    @TempDir
    Path dir;

    private static Trial trial(int index, String algorithm) {
        return new Trial(index, "model-wide", Stage.SUBSET, new Candidate(algorithm, io.qtune.quant.WeightGranularity.PER_CHANNEL, new java.util.TreeSet<>()),
                new Measurement(0.9 + index / 100.0, 100, 0.001, 3, 1.5), Double.NaN, null, false);
    }

    @Test
    void aTornLastLineIsDroppedOnceAndTheNextAppendStartsOnItsOwnLine() throws Exception {
        TuningHistory h = TuningHistory.open(dir, "ctx");
        h.append(trial(1, "minmax"));
        h.append(trial(2, "kl"));
        Path f = dir.resolve(TuningHistory.FILE);
        List<String> whole = Files.readAllLines(f);
        assertEquals(3, whole.size());
        // tear the file: cut the last line in the middle, as a SIGKILL during the write would
        byte[] bytes = Files.readAllBytes(f);
        int cut = bytes.length - whole.get(2).length() / 2;
        Files.write(f, java.util.Arrays.copyOf(bytes, cut));

        TuningHistory reopened = TuningHistory.open(dir, "ctx");
        assertEquals(1, reopened.size(), "the torn trial is dropped and will be redone");
        assertTrue(reopened.tornLine().contains(f + ":3 was cut short"), reopened.tornLine());
        assertEquals(whole.subList(0, 2), Files.readAllLines(f), "the fragment is gone from the file");

        reopened.append(trial(2, "kl"));
        assertEquals(whole, Files.readAllLines(f), "the redone trial sits on its own line");
        TuningHistory third = TuningHistory.open(dir, "ctx");
        assertNull(third.tornLine(), "reported once: the next open finds nothing torn");
        assertEquals(2, third.size());
    }

    @Test
    void anAppendAfterAFileTornBehindOurBackStillStartsOnANewLine() throws Exception {
        TuningHistory h = TuningHistory.open(dir, "ctx");
        h.append(trial(1, "minmax"));
        Path f = dir.resolve(TuningHistory.FILE);
        Files.writeString(f, "{\"index\":9,", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        h.append(trial(2, "kl"));
        List<String> lines = Files.readAllLines(f);
        assertEquals(4, lines.size());
        assertEquals("{\"index\":9,", lines.get(2));
        assertTrue(lines.get(3).startsWith("{") && lines.get(3).contains("\"kl\""), lines.get(3));
    }
}
