package io.qtune.serve;

import io.qtune.data.DataSpec;
import io.qtune.data.LabeledImages;
import io.qtune.engine.Model;
import io.qtune.engine.Outputs;
import io.qtune.platform.Threads;
import io.qtune.quant.Quantizer;
import io.qtune.zoo.ProxyModel;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.imageio.ImageIO;

/** Models, images and reference runs shared by the serving tests. */
public final class ServeFixtures {
    private static Path int8;

    private ServeFixtures() {}

    /** The embedded proxy (FP32, 48x48x3 input, outputs softmax_tensor [n,11] and int64 ArgMax [n]). */
    public static Path fp32Model() {
        return ProxyModel.file();
    }

    /** The proxy quantized to INT8 with 64 synthetic calibration images, made once per test JVM. */
    public static synchronized Path int8Model() {
        if (int8 == null) {
            try {
                Path dir = Files.createTempDirectory("qtune-serve-int8");
                dir.toFile().deleteOnExit();
                Path out = dir.resolve("proxy-int8.pb");
                try (LabeledImages calib = DataSpec.open("synthetic:64", ProxyModel.IMAGE_SIZE)) {
                    Quantizer.builder().calibSize(64).build().quantize(ProxyModel.file(), calib, out, n -> {});
                }
                out.toFile().deleteOnExit();
                int8 = out;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return int8;
    }

    /** Floats per proxy image. */
    public static final int IMAGE_FLOATS = ProxyModel.IMAGE_SIZE * ProxyModel.IMAGE_SIZE * 3;

    /** A deterministic image in the input's value range (pixel minus ImageNet mean). */
    public static float[] image(long seed) {
        Random r = new Random(seed);
        float[] f = new float[IMAGE_FLOATS];
        for (int i = 0; i < f.length; i++) f[i] = r.nextInt(256) - 120f + r.nextFloat();
        return f;
    }

    /** {@code model.run} on the image alone, on a fresh thread whose team size is {@code team}. */
    public static Outputs runAlone(Model model, float[] image, int team) {
        ExecutorService ex = Executors.newSingleThreadExecutor();
        try {
            return ex.submit(() -> {
                Threads.setTeamSize(team);
                return model.run(image, 1);
            }).get();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException(e);
        } finally {
            ex.shutdown();
        }
    }

    /** A deterministic colour JPEG of the given size (smooth gradients plus noise), written by the JDK's encoder. */
    public static byte[] jpeg(int width, int height, long seed) {
        Random r = new Random(seed);
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        double fx = 0.02 + r.nextDouble() * 0.1, fy = 0.02 + r.nextDouble() * 0.1;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int rgb = 0;
                for (int c = 0; c < 3; c++) {
                    double v = 128 + 100 * Math.sin(fx * x * (c + 1) + seed) * Math.cos(fy * y + c) + r.nextInt(21) - 10;
                    rgb = (rgb << 8) | Math.max(0, Math.min(255, (int) v));
                }
                img.setRGB(x, y, rgb);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, "jpg", out)) throw new IllegalStateException("no JPEG writer in this JDK");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Polls {@code done} every 10 ms until it holds or {@code bound} has passed; whether it held. */
    public static boolean waitFor(java.time.Duration bound, java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(10);
        }
        return true;
    }

    /** Whether two float arrays hold the same bits. */
    public static boolean sameBits(float[] a, float[] b) {
        if (a.length != b.length) return false;
        for (int i = 0; i < a.length; i++) if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) return false;
        return true;
    }

    /** Compute threads of the serving instances: kernel tasks whose name starts with the instance prefix. */
    public static int instanceTasks() {
        int n = 0;
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    if (Files.readString(t.resolve("comm")).strip().startsWith(ServingInstance.THREAD_PREFIX)) n++;
                } catch (IOException e) {
                    // the task ended while we looked
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return n;
    }

    /** Kernel task names of this process, with counts. */
    public static java.util.Map<String, Integer> taskNames() {
        java.util.Map<String, Integer> names = new java.util.TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    names.merge(Files.readString(t.resolve("comm")).strip(), 1, Integer::sum);
                } catch (IOException e) {
                    // the task ended while we looked
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return names;
    }

    /** The process's thread count as the kernel sees it (Java and native threads). */
    public static int processThreads() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Threads:")) return Integer.parseInt(line.substring(8).trim());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no Threads: line in /proc/self/status");
    }
}
