package io.qtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.graph.Graph;
import io.qtune.graph.GraphDefCodec;
import io.qtune.testing.HostileGraphs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rows of issue 13's hostile-input table that reach the command line: each is one line on stderr starting
 * {@code error:}, exit code 2, and no file in the folder changed. (Rows tested below the CLI: NaN scores in
 * EvaluatorTest, the torn history in TuningHistoryTest, damaged JPEGs in DamagedJpegTest, a killed writer's temp
 * file in AtomicFilesTest.)
 */
class HostileInputTest {
    @TempDir
    Path dir;

    private Path write(String name, Graph g) {
        Path p = dir.resolve(name);
        GraphDefCodec.write(g, p);
        return p;
    }

    /** Every file under the folder with its size, modification time and content digest. */
    private Map<String, String> snapshot() throws Exception {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                String kind = a.isSymbolicLink() ? "link->" + Files.readSymbolicLink(p) : a.isDirectory() ? "dir"
                        : a.isRegularFile() ? io.qtune.Sha256.hex(p) : "other";
                m.put(dir.relativize(p).toString(), kind + " " + a.lastModifiedTime());
            }
        }
        return m;
    }

    /** Runs the CLI and demands the contract: exit 2, one error line containing {@code part}, nothing changed. */
    private CliRun refused(String part, String... args) throws Exception {
        Map<String, String> before = snapshot();
        CliRun r = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> CliRun.of(args));
        assertEquals(2, r.exitCode(), String.join(" ", args) + "\n" + r.err());
        String[] lines = r.err().strip().split("\n");
        String last = lines[lines.length - 1];
        assertTrue(last.startsWith("error: ") && last.contains(part), "'" + part + "' not in: " + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        assertEquals(before, snapshot(), "no file changed by: " + String.join(" ", args));
        return r;
    }

    @Test
    void badGraphsAreRefusedByEveryCommandBeforeAnyRuntime() throws Exception {
        Path pad = write("pad.pb", HostileGraphs.pad(1_000_000));
        refused("node 'pad' (Pad)", "inspect", "--model", pad.toString());
        refused("node 'pad' (Pad)", "eval", "--model", pad.toString(), "--engine", "onednn", "--data", "synthetic:4");
        // this one crashed the JVM inside TensorFlow (SIGSEGV)
        refused("node 'pad' (Pad)", "eval", "--model", pad.toString(), "--engine", "tf", "--data", "synthetic:4");
        refused("node 'pad' (Pad)", "bench", "--model", pad.toString(), "--engines", "tf-fp32", "--batch", "1", "--seconds", "1");
        refused("node 'conv' (Conv2D): strides", "inspect", "--model", write("stride0.pb", HostileGraphs.stride(0)).toString());
        refused("node 'input_tensor'", "inspect", "--model", write("huge.pb", HostileGraphs.inputSize(100_000)).toString());
        refused("node 'pool' (MaxPool): ksize", "inspect", "--model", write("ksize0.pb", HostileGraphs.poolSize(0)).toString());
        Path nanDense = write("nan-dense.pb", HostileGraphs.value("dense/kernel", 0, Float.NaN));
        refused("node 'dense/kernel' (Const): 1 of 4004 values are not finite", "eval", "--model", nanDense.toString(), "--engine", "onednn");
        refused("node 'dense/kernel'", "eval", "--model", nanDense.toString(), "--engine", "tf");
        Path infBias = write("inf-bias.pb", HostileGraphs.value("dense/bias_add/bias", 0, Float.POSITIVE_INFINITY));
        refused("node 'dense/bias_add/bias'", "eval", "--model", infBias.toString(), "--engine", "tf");
        refused("node 'conv/kernel'", "inspect", "--model", write("nan-conv.pb", HostileGraphs.value("conv/kernel", 0, Float.NaN)).toString());
        Path nanVar = write("nan-var.pb", HostileGraphs.value("bn/moving_variance", 1, Float.NaN));
        refused("node 'bn/moving_variance'", "quantize", "--model", nanVar.toString(), "--calib", "synthetic:4", "--out", dir.resolve("q.pb").toString());
    }

    @Test
    void modelFilesThatAreNotRegularFilesFailAtOnce() throws Exception {
        Path fifo = HostileGraphs.fifo(dir.resolve("fifo.pb"));
        refused("not a regular file", "inspect", "--model", fifo.toString());
        refused("/dev/zero: not a regular file", "eval", "--model", "/dev/zero", "--engine", "tf");
        refused("is a directory", "inspect", "--model", dir.toString());
    }

    @Test
    void outputsNeverReplaceDevicesLinksOrTheInput() throws Exception {
        Path model = write("model.pb", HostileGraphs.classifier());
        String m = model.toString();
        refused("--out /dev/null is a device, FIFO or socket", "quantize", "--model", m, "--calib", "synthetic:4", "--out", "/dev/null");
        assertTrue(Files.readAttributes(Path.of("/dev/null"), BasicFileAttributes.class).isOther());
        Path target = Files.writeString(dir.resolve("elsewhere.pb"), "keep me");
        Path link = Files.createSymbolicLink(dir.resolve("link.pb"), target);
        refused("is a symbolic link", "quantize", "--model", m, "--calib", "synthetic:4", "--out", link.toString());
        refused("is an input of this run", "quantize", "--model", m, "--calib", "synthetic:4", "--out", m);
        refused("is a directory", "zoo", "resnet50", "--out", dir.toString());
        Path fifo = HostileGraphs.fifo(dir.resolve("out.fifo"));
        refused("--json " + fifo + " is a device", "eval", "--model", m, "--data", "synthetic:4", "--json", fifo.toString());
    }

    @Test
    void unwritableSecondaryOutputsFailBeforeTheModelIsWritten() throws Exception {
        Path model = write("model.pb", HostileGraphs.classifier());
        Path notADir = Files.writeString(dir.resolve("file"), "x");
        Path out = dir.resolve("int8.pb");
        refused("--save-plan " + notADir.resolve("plan.json"), "quantize", "--model", model.toString(), "--calib", "synthetic:4",
                "--out", out.toString(), "--save-plan", notADir.resolve("plan.json").toString());
        refused("--json " + notADir.resolve("q.json"), "quantize", "--model", model.toString(), "--calib", "synthetic:4",
                "--out", out.toString(), "--json", notADir.resolve("q.json").toString());
        assertFalse(Files.exists(out));
        // tune fails in a second, not after the whole search
        long t0 = System.nanoTime();
        refused("--out " + notADir.resolve("t.pb"), "tune", "--model", model.toString(), "--calib", "synthetic:4", "--eval", "synthetic:4",
                "--out", notADir.resolve("t.pb").toString());
        assertTrue((System.nanoTime() - t0) / 1e9 < 30);
    }

    @Test
    void negativeCountsAreErrors() throws Exception {
        Path model = write("model.pb", HostileGraphs.classifier());
        refused("--limit must be 0 (all) or more, got -5", "eval", "--model", model.toString(), "--data", "synthetic:4", "--limit", "-5");
        refused("--max-trials must be 0 (no limit) or more, got -1", "tune", "--model", model.toString(), "--calib", "synthetic:4",
                "--eval", "synthetic:4", "--out", dir.resolve("t.pb").toString(), "--max-trials", "-1");
        refused("--eval-limit must be 0 (all) or more", "tune", "--model", model.toString(), "--calib", "synthetic:4",
                "--eval", "synthetic:4", "--out", dir.resolve("t.pb").toString(), "--eval-limit", "-3");
        CliRun help = CliRun.of("tune", "--help");
        assertTrue(help.out().replaceAll("\\s+", " ").contains("(0: no limit; negative is an error)"), help.out());
    }
}
