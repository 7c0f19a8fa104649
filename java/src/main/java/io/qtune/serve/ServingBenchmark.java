package io.qtune.serve;

import io.qtune.InvalidSetting;
import io.qtune.QtuneException;
import io.qtune.engine.Model;
import io.qtune.platform.Threads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The serving service against the plain engine, in one process on one model: {@code model.run} at fixed batch sizes
 * on one thread with a team of all the threads (what {@code qtune bench} measures), and the service at every
 * instances x threads x max-batch configuration, driven in-process by closed-loop clients (instances x max batch of
 * them, each submitting one image and waiting for it, so every instance can always fill a batch). All items run in
 * short slices, round after round, so machine noise falls on all alike; compare the ratios.
 */
public final class ServingBenchmark {
    /** An instances x threads layout. */
    public record Layout(int instances, int threads) {
        public static Layout parse(String s) {
            String[] p = s.trim().toLowerCase(Locale.ROOT).split("x");
            try {
                if (p.length == 2) return new Layout(Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim()));
            } catch (NumberFormatException e) {
                // fall through
            }
            throw new QtuneException("layout '" + s + "': expected INSTANCESxTHREADS, e.g. 2x1");
        }

        @Override
        public String toString() {
            return instances + "x" + threads;
        }
    }

    /** One measured item: a fixed-batch engine run ({@code layout == null}) or a service configuration. */
    public record Result(String name, Layout layout, int batch, double imagesPerSecond, double p50Ms, double p90Ms,
                         double meanBatch, long requests) {}

    private final Model model;
    private final List<Layout> layouts;
    private final List<Integer> maxBatches;
    private final List<Integer> fixedBatches;
    private final int benchTeam;
    private final Duration maxDelay;
    private final double seconds;
    private final double warmUpSeconds;
    private final double sliceSeconds;

    public ServingBenchmark(Model model, List<Layout> layouts, List<Integer> maxBatches, List<Integer> fixedBatches,
                            int benchTeam, Duration maxDelay, double seconds, double warmUpSeconds, double sliceSeconds) {
        if (layouts.isEmpty() || maxBatches.isEmpty() || fixedBatches.isEmpty()) {
            throw new QtuneException("serve-bench needs at least one layout, max batch and fixed batch");
        }
        if (!(seconds > 0)) throw new InvalidSetting("seconds", "must be more than 0, got " + seconds);
        if (!(warmUpSeconds >= 0)) throw new InvalidSetting("warmup", "must be 0 or more, got " + warmUpSeconds);
        if (!(sliceSeconds > 0)) throw new InvalidSetting("slice", "must be more than 0, got " + sliceSeconds);
        if (benchTeam < 1) throw new QtuneException("the bench team needs at least 1 thread");
        this.model = model;
        this.layouts = List.copyOf(layouts);
        this.maxBatches = List.copyOf(maxBatches);
        this.fixedBatches = List.copyOf(fixedBatches);
        this.benchTeam = benchTeam;
        this.maxDelay = maxDelay;
        this.seconds = seconds;
        this.warmUpSeconds = warmUpSeconds;
        this.sliceSeconds = sliceSeconds;
    }

    private interface Item {
        /** Runs for about {@code nanos}; records when {@code record}. */
        void runFor(long nanos, boolean record) throws Exception;

        Result result();
    }

    /** Warms every item up, then measures in rotating rounds until each has its measured time. */
    public List<Result> run() throws Exception {
        // one long-lived thread for the fixed-batch runs, as bench's main thread: its OpenMP team is made once
        benchThread = java.util.concurrent.Executors.newSingleThreadExecutor(r -> new Thread(r, "qtune-bench-fixed"));
        try {
            benchThread.submit(() -> Threads.setTeamSize(benchTeam)).get();
            return measure();
        } finally {
            benchThread.shutdown();
        }
    }

    private java.util.concurrent.ExecutorService benchThread;

    private List<Result> measure() throws Exception {
        long imageFloats = Arrays.stream(model.inputShape()).skip(1).reduce(1, (a, b) -> a * b);
        List<Item> items = new ArrayList<>();
        List<InferenceService> services = new ArrayList<>();
        try {
            for (int b : fixedBatches) items.add(new FixedBatch(b, images(b, imageFloats)));
            for (Layout l : layouts) {
                for (int mb : maxBatches) {
                    InferenceService s = InferenceService.start(model, new ServiceConfig(l.instances(), l.threads(), mb,
                            maxDelay, Math.max(1024, 4 * l.instances() * mb)));
                    services.add(s);
                    items.add(new Served(l, mb, s, images(1, imageFloats)));
                }
            }
            long warm = (long) (warmUpSeconds * 1e9), slice = (long) (sliceSeconds * 1e9), target = (long) (seconds * 1e9);
            for (Item it : items) it.runFor(warm, false);
            long[] spent = new long[items.size()];
            for (int round = 0; Arrays.stream(spent).anyMatch(s -> s < target); round++) {
                for (int k = 0; k < items.size(); k++) {
                    int i = (k + round) % items.size();
                    long t0 = System.nanoTime();
                    items.get(i).runFor(slice, true);
                    spent[i] += System.nanoTime() - t0;
                }
            }
            return items.stream().map(Item::result).toList();
        } finally {
            for (InferenceService s : services) s.close();
        }
    }

    private static float[] images(int n, long imageFloats) {
        float[] f = new float[Math.toIntExact(n * imageFloats)];
        Random r = new Random(1);
        for (int i = 0; i < f.length; i++) f[i] = r.nextInt(256) - 120f;
        return f;
    }

    /** Latencies in nanoseconds, growable. */
    private static final class Latencies {
        long[] v = new long[256];
        int n;
        long busyNanos;
        long images;

        synchronized void add(long nanos) {
            if (n == v.length) v = Arrays.copyOf(v, n * 2);
            v[n++] = nanos;
        }

        double percentileMs(double p) {
            if (n == 0) return Double.NaN;
            long[] s = Arrays.copyOf(v, n);
            Arrays.sort(s);
            int rank = (int) Math.ceil(p * n);
            return s[Math.max(0, Math.min(n - 1, rank - 1))] / 1e6;
        }
    }

    /** {@code model.run} at a fixed batch on one thread whose team is {@code benchTeam} threads: bench's loop. */
    private final class FixedBatch implements Item {
        final int batch;
        final float[] input;
        final Latencies lat = new Latencies();

        FixedBatch(int batch, float[] input) {
            this.batch = batch;
            this.input = input;
        }

        @Override
        public void runFor(long nanos, boolean record) throws Exception {
            benchThread.submit(() -> {
                long start = System.nanoTime();
                do {
                    long t0 = System.nanoTime();
                    model.run(input, batch);
                    long dt = System.nanoTime() - t0;
                    if (record) {
                        lat.add(dt);
                        lat.busyNanos += dt;
                        lat.images += batch;
                    }
                } while (System.nanoTime() - start < nanos);
                return null;
            }).get();
        }

        @Override
        public Result result() {
            return new Result("bench batch " + batch + " (team " + benchTeam + ")", null, batch,
                    lat.images / (lat.busyNanos / 1e9), lat.percentileMs(0.5), lat.percentileMs(0.9), batch, lat.n);
        }
    }

    /** The service under closed-loop clients, one image per request. */
    private static final class Served implements Item {
        final Layout layout;
        final int maxBatch;
        final InferenceService service;
        final float[] image;
        final Latencies lat = new Latencies();
        final int clients;
        long wallNanos;
        double batchSum;
        long batchCount;

        Served(Layout layout, int maxBatch, InferenceService service, float[] image) {
            this.layout = layout;
            this.maxBatch = maxBatch;
            this.service = service;
            this.image = image;
            this.clients = layout.instances() * maxBatch;
        }

        @Override
        public void runFor(long nanos, boolean record) throws Exception {
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch done = new CountDownLatch(clients);
            long[] served = new long[clients];
            var summary = service.metrics().registry().find("qtune.batch.size").summary();
            double sum0 = summary.totalAmount();
            long count0 = summary.count();
            List<Thread> threads = new ArrayList<>();
            Throwable[] failure = new Throwable[1];
            for (int c = 0; c < clients; c++) {
                int id = c;
                threads.add(new Thread(() -> {
                    try {
                        while (!stop.get()) {
                            long t0 = System.nanoTime();
                            CompletableFuture<InferenceResult> f = service.submit(image, 1);
                            f.get();
                            if (record) lat.add(System.nanoTime() - t0);
                            served[id]++;
                        }
                    } catch (InterruptedException | ExecutionException | RuntimeException e) {
                        failure[0] = e;
                    } finally {
                        done.countDown();
                    }
                }, "qtune-bench-client-" + c));
            }
            long start = System.nanoTime();
            threads.forEach(Thread::start);
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
            stop.set(true);
            done.await();
            long wall = System.nanoTime() - start;
            if (failure[0] != null) throw new QtuneException("serve-bench client failed: " + failure[0], failure[0]);
            if (record) {
                wallNanos += wall;
                for (long s : served) lat.images += s;
                batchSum += summary.totalAmount() - sum0;
                batchCount += summary.count() - count0;
            }
        }

        @Override
        public Result result() {
            return new Result("serve " + layout + " max batch " + maxBatch, layout, maxBatch, lat.images / (wallNanos / 1e9),
                    lat.percentileMs(0.5), lat.percentileMs(0.9), batchCount == 0 ? 0 : batchSum / batchCount, lat.n);
        }
    }

    /**
     * Whether the service's outputs are model.run's on each image alone, bit for bit, on this model: {@code images}
     * single-image requests submitted at once to each layout at {@code maxBatch} (so they share batches), against
     * model.run on each image alone on a thread with the layout's team size. Returns one line per layout.
     */
    public List<String> identityCheck(int images, int maxBatch) throws Exception {
        long imageFloats = Arrays.stream(model.inputShape()).skip(1).reduce(1, (a, b) -> a * b);
        List<String> lines = new ArrayList<>();
        for (Layout l : layouts) {
            float[][] in = new float[images][];
            float[][] alone = new float[images][];
            for (int i = 0; i < images; i++) {
                in[i] = new float[Math.toIntExact(imageFloats)];
                Random r = new Random(1000 + i);
                for (int k = 0; k < in[i].length; k++) in[i][k] = r.nextInt(256) - 120f;
            }
            Thread t = new Thread(() -> {
                Threads.setTeamSize(l.threads());
                for (int i = 0; i < images; i++) alone[i] = model.run(in[i], 1).floats(model.outputNames().get(0));
            });
            t.start();
            t.join();
            int differing = 0;
            double largestBatch;
            String sizes;
            try (InferenceService s = InferenceService.start(model, new ServiceConfig(l.instances(), l.threads(), maxBatch,
                    Duration.ofMillis(50), Math.max(1024, images)))) {
                List<CompletableFuture<InferenceResult>> fs = new ArrayList<>();
                for (int i = 0; i < images; i++) fs.add(s.submit(in[i], 1));
                for (int i = 0; i < images; i++) {
                    float[] got = fs.get(i).get().floats(model.outputNames().get(0));
                    if (!sameBits(got, alone[i])) differing++;
                }
                largestBatch = s.metrics().registry().find("qtune.batch.size").summary().max();
                sizes = Arrays.toString(s.identicalBatchSizes());
            }
            lines.add(String.format(Locale.ROOT, "identity %s max batch %d: %d of %d images differ from model.run alone "
                    + "(output %s, largest batch %d; sizes bit-identical to batch 1: %s)%s", l, maxBatch, differing, images,
                    model.outputNames().get(0), (int) largestBatch, sizes, differing == 0 ? "" : "  <-- NOT bit-identical"));
        }
        return lines;
    }

    private static boolean sameBits(float[] a, float[] b) {
        if (a.length != b.length) return false;
        for (int i = 0; i < a.length; i++) if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) return false;
        return true;
    }

    /** The table, then the two ratios the serving goal is stated in. */
    public static String table(List<Result> results) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-34s %10s %9s %9s %10s %8s%n", "run", "images/s",
                "p50 ms", "p90 ms", "mean batch", "runs"));
        for (Result r : results) {
            sb.append(String.format(Locale.ROOT, "%-34s %10.2f %9.2f %9.2f %10.2f %8d%n", r.name(), r.imagesPerSecond(),
                    r.p50Ms(), r.p90Ms(), r.meanBatch(), r.requests()));
        }
        for (Map.Entry<String, Double> e : ratios(results).entrySet()) {
            sb.append(String.format(Locale.ROOT, "ratio %s: %.3f%n", e.getKey(), e.getValue()));
        }
        return sb.toString();
    }

    /**
     * The best service throughput over the best fixed-batch throughput (goal: at least 0.97), and for each layout at
     * max batch 1, its p50 latency over the fixed batch 1 p50 (goal: at most 1.10).
     */
    public static Map<String, Double> ratios(List<Result> results) {
        Map<String, Double> out = new LinkedHashMap<>();
        Result bestBench = null, bestServe = null, bench1 = null;
        for (Result r : results) {
            if (r.layout() == null) {
                if (bestBench == null || r.imagesPerSecond() > bestBench.imagesPerSecond()) bestBench = r;
                if (r.batch() == 1) bench1 = r;
            } else if (bestServe == null || r.imagesPerSecond() > bestServe.imagesPerSecond()) {
                bestServe = r;
            }
        }
        if (bestBench != null && bestServe != null) {
            out.put("best serve (" + bestServe.name() + ") / best bench (" + bestBench.name() + ") images/s [goal >= 0.97]",
                    bestServe.imagesPerSecond() / bestBench.imagesPerSecond());
        }
        if (bench1 != null) {
            for (Result r : results) {
                if (r.layout() != null && r.batch() == 1) {
                    out.put("p50 " + r.name() + " / " + bench1.name() + " [goal <= 1.10]", r.p50Ms() / bench1.p50Ms());
                }
            }
        }
        return out;
    }

    /** Results, ratios and the machine as a JSON-ready map. */
    public static Map<String, Object> toMap(List<Result> results, String model) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("machine", io.qtune.platform.Machine.current().toMap());
        List<Object> rs = new ArrayList<>();
        for (Result r : results) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("run", r.name());
            x.put("layout", r.layout() == null ? null : r.layout().toString());
            x.put("batch", r.batch());
            x.put("images_per_second", r.imagesPerSecond());
            x.put("latency_ms_p50", r.p50Ms());
            x.put("latency_ms_p90", r.p90Ms());
            x.put("mean_batch", r.meanBatch());
            x.put("runs", r.requests());
            rs.add(x);
        }
        m.put("results", rs);
        m.put("ratios", ratios(results));
        return m;
    }
}
