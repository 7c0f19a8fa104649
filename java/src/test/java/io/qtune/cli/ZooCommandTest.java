package io.qtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.tf.TfModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZooCommandTest {
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void writesARunnableModelAndPrintsOneSummaryLine(@TempDir Path dir) {
        Path out = dir.resolve("sub/model.pb");
        Run r = run("zoo", "resnet50", "--out", out.toString(), "--width-multiplier", "0.125", "--image-size", "32",
                "--classes", "11", "--seed", "5");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(out));
        String line = r.out().strip();
        assertFalse(line.contains("\n"), line);
        assertTrue(line.contains(out.toString()) && line.contains("params") && line.contains("GMAC"), line);
        try (TfModel m = TfModel.load(out, 1)) {
            float[] arg = m.run("input_tensor", new float[2 * 32 * 32 * 3], new long[] {2, 32, 32, 3}, List.of("ArgMax")).get("ArgMax");
            assertEquals(2, arg.length);
            assertTrue(arg[0] >= 0 && arg[0] < 11);
        }
    }

    @Test
    void badOptionsGiveOneLineErrors(@TempDir Path dir) {
        String out = dir.resolve("x.pb").toString();
        Run r = run("zoo", "resnet50", "--out", out, "--image-size", "16");
        assertEquals(2, r.code());
        assertTrue(r.err().strip().startsWith("error: --image-size"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());

        r = run("zoo", "resnet50", "--out", out, "--width-multiplier", "-1");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--width-multiplier"), r.err());

        r = run("zoo", "resnet50", "--out", out, "--classes", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--classes"), r.err());
        assertFalse(Files.exists(dir.resolve("x.pb")));
    }

    /** A Fashion-MNIST-shaped folder: n images per split, label i mod 10, image brightness by label. */
    static void writeTinyFashionMnist(Path dir, int n) throws Exception {
        for (String split : List.of("train", "t10k")) {
            java.io.ByteArrayOutputStream img = new java.io.ByteArrayOutputStream();
            java.io.ByteArrayOutputStream lab = new java.io.ByteArrayOutputStream();
            java.io.DataOutputStream i = new java.io.DataOutputStream(img);
            java.io.DataOutputStream l = new java.io.DataOutputStream(lab);
            i.writeInt(0x803);
            i.writeInt(n);
            i.writeInt(28);
            i.writeInt(28);
            l.writeInt(0x801);
            l.writeInt(n);
            for (int k = 0; k < n; k++) {
                l.writeByte(k % 10);
                for (int p = 0; p < 28 * 28; p++) i.writeByte((k % 10) * 25 + (p % 3));
            }
            Files.write(dir.resolve(split + "-images-idx3-ubyte"), img.toByteArray());
            Files.write(dir.resolve(split + "-labels-idx1-ubyte"), lab.toByteArray());
        }
    }

    @Test
    void trainProxyWritesModelAndSidecar(@TempDir Path dir) throws Exception {
        writeTinyFashionMnist(dir, 20);
        Path out = dir.resolve("p.pb");
        Run r = run("zoo", "train-proxy", "--out", out.toString(), "--data-dir", dir.toString(), "--width-multiplier", "0.0625",
                "--image-size", "32", "--resize", "PAD", "--epochs", "1", "--batch-size", "10", "--log-every", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("epoch 1 step 2/2"), r.out());
        assertTrue(r.out().contains("epoch 1 done:") && r.out().contains("test-top1"), r.out());
        assertTrue(Files.isRegularFile(out));
        String json = Files.readString(dir.resolve("p.json"));
        @SuppressWarnings("unchecked")
        java.util.Map<String, Object> sidecar = (java.util.Map<String, Object>) io.qtune.Json.parse(json, "p.json");
        assertEquals(20.0, sidecar.get("train_images"), json);
        assertEquals("pad", sidecar.get("resize"), json);
        try (TfModel m = TfModel.load(out, 1)) {
            assertEquals("FusedBatchNorm", m.opType("resnet_model/batch_normalization_52/FusedBatchNorm"));
        }
    }

    @Test
    void trainProxyRejectsBadOptions(@TempDir Path dir) throws Exception {
        Run r = run("zoo", "train-proxy", "--out", dir.resolve("p.pb").toString(), "--data-dir", dir.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("install-deps"), r.err());
        writeTinyFashionMnist(dir, 20);
        r = run("zoo", "train-proxy", "--out", dir.resolve("p.pb").toString(), "--data-dir", dir.toString(), "--epochs", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--epochs"), r.err());
        r = run("zoo", "train-proxy", "--out", dir.resolve("p.pb").toString(), "--data-dir", dir.toString(), "--resize", "CUBIC");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--resize"), r.err());
    }

    @Test
    void helpDescribesEveryOption() {
        Run r = run("zoo", "resnet50", "--help");
        assertEquals(0, r.code());
        for (String opt : List.of("--out", "--seed", "--width-multiplier", "--image-size", "--classes")) {
            assertTrue(r.out().contains(opt), opt);
        }
    }
}
