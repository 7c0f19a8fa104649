package io.qtune.bench;

import io.qtune.QtuneException;
import io.qtune.data.DataSpec;
import io.qtune.data.LabeledImages;
import io.qtune.engine.Model;
import io.qtune.engine.Outputs;
import io.qtune.quant.Quantizer;
import io.qtune.zoo.ProxyModel;
import io.qtune.zoo.ResNet50Builder;
import io.qtune.zoo.ResNet50Spec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The concurrency soak of issue 13 ({@code scripts/soak}; a benchmark, not a test): THREADS threads each run the
 * full-size INT8 zoo ResNet50 RUNS times on one shared {@link Model} with batch sizes mixed between threads and runs;
 * every output is then compared bit for bit with the same input run alone, at the same batch size. The process's
 * resident memory and thread count are sampled throughout. Then CYCLES load / run / close cycles of the small
 * embedded model show whether closing frees native memory.
 *
 * <pre>scripts/soak [--runs N] [--threads T] [--batches 1,3,8] [--cycles C] [--workdir DIR]</pre>
 */
public final class Soak {
    private Soak() {}

    /** One run of the soak: who ran it, at which batch size, from which input seed. */
    private record Job(int thread, int run, int batch, long seed) {}

    public static void main(String[] args) throws Exception {
        int runs = 25, threads = 4, cycles = 200;
        int[] batches = {1, 3, 8};
        Path workdir = Path.of("work/soak");
        for (int i = 0; i < args.length; i += 2) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            if (v == null) throw new QtuneException(args[i] + " needs a value");
            switch (args[i]) {
                case "--runs" -> runs = positive("--runs", v);
                case "--threads" -> threads = positive("--threads", v);
                case "--cycles" -> cycles = Integer.parseInt(v);
                case "--batches" -> batches = Arrays.stream(v.split(",")).mapToInt(s -> positive("--batches", s.strip())).toArray();
                case "--workdir" -> workdir = Path.of(v);
                default -> throw new QtuneException("unknown option " + args[i] + " (--runs, --threads, --batches, --cycles, --workdir)");
            }
        }
        if (cycles < 0) throw new QtuneException("--cycles must be 0 or more");
        Path int8 = int8Model(workdir);
        Sampler rss = new Sampler();
        rss.start();
        System.out.printf(Locale.ROOT, "start: RSS %.0f MB, %d native threads%n", Sampler.rssMb(), Sampler.threads());

        List<Job> jobs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            for (int r = 0; r < runs; r++) jobs.add(new Job(t, r, batches[(t + r) % batches.length], 1000L * t + r));
        }
        ConcurrentHashMap<Job, float[][]> concurrent = new ConcurrentHashMap<>();
        int mismatches = 0;
        try (Model model = Model.load(int8)) {
            long perImage = Arrays.stream(model.inputShape()).skip(1).reduce(1, (a, b) -> a * b);
            for (int b : batches) model.run(input(perImage, b, 1), b); // compile every batch size before timing
            System.out.printf(Locale.ROOT, "model %s loaded and compiled for batches %s: RSS %.0f MB%n", int8,
                    Arrays.toString(batches), Sampler.rssMb());
            long t0 = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> done = new ArrayList<>();
            int finalThreads = threads;
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (Job j : jobs) {
                        if (j.thread() != thread) continue;
                        concurrent.put(j, outputs(model.run(input(perImage, j.batch(), j.seed()), j.batch())));
                    }
                }));
            }
            int peakThreads = 0;
            for (Future<?> f : done) {
                f.get();
                peakThreads = Math.max(peakThreads, Sampler.threads());
            }
            pool.shutdown();
            double concurrentSeconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "concurrent: %d runs on %d threads (%d images) in %.1f s; RSS %.0f MB (peak %.0f MB), %d native threads%n",
                    jobs.size(), finalThreads, jobs.stream().mapToInt(Job::batch).sum(), concurrentSeconds, Sampler.rssMb(),
                    rss.peakMb(), Math.max(peakThreads, Sampler.threads()));
            for (Job j : jobs) {
                float[][] alone = outputs(model.run(input(perImage, j.batch(), j.seed()), j.batch()));
                float[][] together = concurrent.get(j);
                if (!bitEqual(alone, together)) {
                    mismatches++;
                    System.out.printf(Locale.ROOT, "MISMATCH: thread %d run %d batch %d%n", j.thread(), j.run(), j.batch());
                }
            }
            System.out.printf(Locale.ROOT, "mismatches against sequential runs at the same batch size: %d of %d%n", mismatches, jobs.size());
        }

        System.gc();
        double before = Sampler.rssMb();
        Path small = ProxyModel.file();
        long perSmall = (long) ProxyModel.IMAGE_SIZE * ProxyModel.IMAGE_SIZE * 3;
        double afterFirst = before;
        for (int c = 0; c < cycles; c++) {
            try (Model m = Model.load(small)) {
                m.run(input(perSmall, 1, c), 1);
            }
            if (c == 9) {
                System.gc();
                afterFirst = Sampler.rssMb(); // allocator pools settle in the first cycles
            }
        }
        System.gc();
        // measured after a collection: the Java heap fills with each load's garbage until the collector runs
        System.out.printf(Locale.ROOT, "load/close: %d cycles of %s, RSS after GC: %.0f MB before, %.0f MB after 10 cycles, "
                + "%.0f MB at the end (Java heap committed %.0f MB)%n", cycles, small.getFileName(), before, afterFirst,
                Sampler.rssMb(), heapMb());
        rss.stopSampling();
        System.out.printf(Locale.ROOT, "end: RSS %.0f MB (start %.0f MB, peak %.0f MB), %d native threads, %d Java threads%n",
                Sampler.rssMb(), rss.firstMb(), rss.peakMb(), Sampler.threads(), Thread.activeCount());
        System.exit(mismatches == 0 ? 0 : 1);
    }

    private static double heapMb() {
        return Runtime.getRuntime().totalMemory() / (1024.0 * 1024.0);
    }

    private static int positive(String option, String v) {
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new QtuneException(option + " needs a whole number, got '" + v + "'");
        }
        if (n < 1) throw new QtuneException(option + " must be at least 1, got " + n);
        return n;
    }

    /** The full-size zoo ResNet50 (width 1.0, 224x224) quantized on synthetic images, made once in the work folder. */
    private static Path int8Model(Path workdir) throws IOException {
        Path fp32 = workdir.resolve("resnet50_fp32.pb"), int8 = workdir.resolve("resnet50_int8.pb");
        if (Files.isRegularFile(int8)) return int8;
        Files.createDirectories(workdir);
        System.out.println("making " + int8 + " (zoo resnet50 width 1.0, 224x224, INT8 calibrated on 16 synthetic images) ...");
        if (!Files.isRegularFile(fp32)) ResNet50Builder.write(ResNet50Builder.build(new ResNet50Spec(1.0, 224, 1001, 0)).graph(), fp32);
        try (LabeledImages calib = DataSpec.open("synthetic:16", 224)) {
            Quantizer.builder().calibSize(16).build().quantize(fp32, calib, int8, n -> {});
        }
        return int8;
    }

    private static float[] input(long perImage, int batch, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[Math.toIntExact(perImage * batch)];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 255 - 120);
        return x;
    }

    private static float[][] outputs(Outputs o) {
        float[][] all = new float[o.names().size()][];
        for (int i = 0; i < all.length; i++) all[i] = o.floats(o.names().get(i)).clone();
        return all;
    }

    private static boolean bitEqual(float[][] a, float[][] b) {
        if (b == null || a.length != b.length) return false;
        for (int i = 0; i < a.length; i++) {
            if (a[i].length != b[i].length) return false;
            for (int k = 0; k < a[i].length; k++) if (Float.floatToRawIntBits(a[i][k]) != Float.floatToRawIntBits(b[i][k])) return false;
        }
        return true;
    }

    /** Samples the process's resident memory every 100 ms (Linux /proc). */
    private static final class Sampler extends Thread {
        private final AtomicLong peakKb = new AtomicLong(), firstKb = new AtomicLong(-1);
        private volatile boolean running = true;

        Sampler() {
            super("soak-rss-sampler");
            setDaemon(true);
        }

        @Override
        public void run() {
            while (running) {
                long kb = status("VmRSS:");
                firstKb.compareAndSet(-1, kb);
                peakKb.accumulateAndGet(kb, Math::max);
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        void stopSampling() {
            running = false;
        }

        double peakMb() {
            return peakKb.get() / 1024.0;
        }

        double firstMb() {
            return firstKb.get() / 1024.0;
        }

        static double rssMb() {
            return status("VmRSS:") / 1024.0;
        }

        static int threads() {
            return (int) status("Threads:");
        }

        private static long status(String key) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith(key)) return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
                }
            } catch (IOException | NumberFormatException e) {
                return -1;
            }
            return -1;
        }
    }
}
