package io.qtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.reference.ReferenceInterpreterTest;
import io.qtune.graph.GraphDefCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectCommandTest {
    @TempDir
    Path dir;

    @Test
    void printsPortsOpCountsParametersAndMacs() {
        Path f = dir.resolve("m.pb");
        GraphDefCodec.write(ReferenceInterpreterTest.everyOp(), f);
        CliRun r = CliRun.of("inspect", "--model", f.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("input:  input"), r.out());
        assertTrue(r.out().contains("[-1, 17, 15, 3]"), r.out());
        assertTrue(r.out().matches("(?s).*output: argmax\\s+int64.*"), r.out());
        assertTrue(r.out().matches("(?s).*_FusedConv2D\\s+-\\s+3\\n.*"), r.out());
        assertTrue(r.out().matches("(?s).*Pad\\s+1\\s+-\\n.*"), r.out());
        // conv1: 8x7 out (17x15 padded to 22x19, 7x7/2 VALID) x 7*7*3*8; max pool SAME 3x3/2 -> 4x4;
        // conv2: 4x4 x 3*3*8*8; conv3: 4x4 x 8*6; dense 6*5
        long macs = 8L * 7 * 7 * 7 * 3 * 8 + 4 * 4 * 3 * 3 * 8 * 8 + 4 * 4 * 8 * 6 + 6 * 5;
        assertTrue(r.out().contains(String.format("MACs per image: %,d", macs)), r.out());
    }

    @Test
    void badFileIsOneLineErrorWithNonZeroExit() throws Exception {
        Path f = dir.resolve("notes.pb");
        Files.writeString(f, "definitely not protobuf");
        CliRun r = CliRun.of("inspect", "--model", f.toString());
        assertEquals(2, r.exitCode());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("notes.pb"), r.err());
    }

    @Test
    void missingOptionIsAUsageError() {
        CliRun r = CliRun.of("inspect");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--model"), r.err());
    }
}
