package io.qtune.bench;

import io.qtune.QtuneException;
import io.qtune.platform.Machine;
import io.qtune.platform.Threads;
import io.qtune.report.BenchRatio;
import io.qtune.report.BenchReport;
import io.qtune.report.BenchResult;
import io.qtune.report.FloorResult;
import io.qtune.engine.Floor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongSupplier;

/**
 * Times engines against each other in one process. Every (engine, batch) pair runs in short slices, round after
 * round, the starting pair rotating each round, so load from elsewhere on the machine falls on all pairs alike
 * and their ratios stay meaningful even when absolute numbers drift.
 */
public final class Benchmark {
    /**
     * How long to run.
     *
     * @param seconds measured time per (engine, batch) pair
     * @param warmupSeconds untimed time per pair before measuring (compiles, caches, JIT)
     * @param sliceSeconds length of one timed slice; each slice runs at least once
     */
    public record Timing(double seconds, double warmupSeconds, double sliceSeconds) {
        public Timing {
            if (!(seconds > 0) || warmupSeconds < 0 || !(sliceSeconds > 0)) {
                throw new QtuneException("bench needs --seconds > 0, --warmup >= 0 and a slice > 0");
            }
        }
    }

    /** Copies of each engine, one per instance; all copies of one engine have its name. */
    private final List<List<BenchEngine>> engines;
    private final List<Integer> batches;
    private final Timing timing;
    private final List<float[]> inputs;
    private final LongSupplier clock;
    private final int instances;
    private final int threadsPerInstance;

    /**
     * @param imagesFor supplies the input of one batch size (exactly batch images)
     */
    public Benchmark(List<BenchEngine> engines, List<Integer> batches, Timing timing,
                     java.util.function.IntFunction<float[]> imagesFor) {
        this(engines.stream().map(List::of).toList(), 0, batches, timing, imagesFor, System::nanoTime);
    }

    /**
     * Offline throughput of several instances: {@code copies} holds, per engine, one copy per instance; during a
     * slice the copies run concurrently, each on a thread of its own whose OpenMP team is {@code threadsPerInstance}
     * threads (copies x threads compute threads in all), and a result's images per second is the sum of theirs.
     */
    public Benchmark(List<List<BenchEngine>> copies, int threadsPerInstance, List<Integer> batches, Timing timing,
                     java.util.function.IntFunction<float[]> imagesFor) {
        this(copies, threadsPerInstance, batches, timing, imagesFor, System::nanoTime);
    }

    Benchmark(List<BenchEngine> engines, List<Integer> batches, Timing timing,
              java.util.function.IntFunction<float[]> imagesFor, LongSupplier clock) {
        this(engines.stream().map(List::of).toList(), 0, batches, timing, imagesFor, clock);
    }

    Benchmark(List<List<BenchEngine>> copies, int threadsPerInstance, List<Integer> batches, Timing timing,
              java.util.function.IntFunction<float[]> imagesFor, LongSupplier clock) {
        if (copies.isEmpty() || batches.isEmpty()) throw new QtuneException("bench needs at least one engine and one batch size");
        for (int b : batches) if (b < 1) throw new QtuneException("batch sizes must be at least 1, got " + b);
        int n = copies.get(0).size();
        for (List<BenchEngine> c : copies) {
            if (c.isEmpty() || c.size() != n) throw new QtuneException("every engine needs one copy per instance");
        }
        if (threadsPerInstance < 0) throw new QtuneException("--threads must be at least 1, got " + threadsPerInstance);
        this.engines = copies.stream().map(List::copyOf).toList();
        this.instances = n;
        this.threadsPerInstance = threadsPerInstance;
        this.batches = List.copyOf(batches);
        this.timing = timing;
        this.clock = clock;
        this.inputs = new ArrayList<>();
        for (int b : batches) inputs.add(imagesFor.apply(b));
    }

    /** Runs of one engine copy: latencies, images and busy time. */
    private final class Runs {
        long[] latencies = new long[64];
        int runs;
        long total;

        /** Runs for about {@code nanos}, at least once; records the runs when {@code record}. */
        void runFor(BenchEngine engine, float[] input, int batch, long nanos, boolean record) {
            long start = clock.getAsLong();
            do {
                long t0 = clock.getAsLong();
                engine.run(input, batch);
                long dt = clock.getAsLong() - t0;
                if (record) {
                    if (runs == latencies.length) latencies = Arrays.copyOf(latencies, runs * 2);
                    latencies[runs++] = dt;
                    total += dt;
                }
            } while (clock.getAsLong() - start < nanos);
        }
    }

    private final class Pair {
        final List<BenchEngine> copies;
        final int batch;
        final float[] input;
        final List<Runs> runs = new ArrayList<>();
        long wall;

        Pair(List<BenchEngine> copies, int batch, float[] input) {
            this.copies = copies;
            this.batch = batch;
            this.input = input;
            for (int i = 0; i < copies.size(); i++) runs.add(new Runs());
        }

        /** Runs every copy for about {@code nanos} at once (on the instance threads when there are several). */
        void runFor(long nanos, boolean record, List<ExecutorService> workers) {
            long t0 = clock.getAsLong();
            if (workers == null) {
                runs.get(0).runFor(copies.get(0), input, batch, nanos, record);
            } else {
                List<Future<?>> done = new ArrayList<>();
                for (int i = 0; i < copies.size(); i++) {
                    int k = i;
                    done.add(workers.get(i).submit(() -> runs.get(k).runFor(copies.get(k), input, batch, nanos, record)));
                }
                for (Future<?> f : done) {
                    try {
                        f.get();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new QtuneException("bench interrupted");
                    } catch (ExecutionException e) {
                        if (e.getCause() instanceof RuntimeException re) throw re;
                        throw new QtuneException("a bench instance failed: " + e.getCause(), e.getCause());
                    }
                }
            }
            if (record) wall += clock.getAsLong() - t0;
        }

        /** Measured time so far: the busiest copy's. */
        long measured() {
            return runs.stream().mapToLong(r -> r.total).min().orElse(0);
        }

        BenchResult result() {
            int n = runs.stream().mapToInt(r -> r.runs).sum();
            long[] sorted = new long[n];
            int at = 0;
            List<Double> rates = new ArrayList<>();
            for (Runs r : runs) {
                System.arraycopy(r.latencies, 0, sorted, at, r.runs);
                at += r.runs;
                rates.add(batch * r.runs / (r.total / 1e9));
            }
            Arrays.sort(sorted);
            double sum = rates.stream().mapToDouble(Double::doubleValue).sum();
            String name = copies.get(0).name();
            if (instances == 1 && threadsPerInstance == 0) {
                return new BenchResult(name, batch, sum, percentile(sorted, 0.5) / 1e6, percentile(sorted, 0.9) / 1e6, n,
                        runs.get(0).total / 1e9);
            }
            return new BenchResult(name, batch, sum, percentile(sorted, 0.5) / 1e6, percentile(sorted, 0.9) / 1e6, n,
                    wall / 1e9, null, null, null, null, null, null, instances, threadsPerInstance == 0 ? null : threadsPerInstance, rates);
        }
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /**
     * Warms every pair up, then measures in rotating rounds until every pair has its measured time. Several
     * instances run on threads of their own, made once, each with its OpenMP team size set before any run.
     */
    public List<BenchResult> run() {
        List<ExecutorService> workers = null;
        if (instances > 1) {
            workers = new ArrayList<>();
            for (int i = 0; i < instances; i++) {
                int k = i;
                ExecutorService w = Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "qtune-bench-instance-" + k);
                    t.setDaemon(true);
                    return t;
                });
                if (threadsPerInstance > 0) w.submit(() -> Threads.setTeamSize(threadsPerInstance));
                workers.add(w);
            }
        }
        try {
            List<Pair> pairs = new ArrayList<>();
            for (int i = 0; i < batches.size(); i++) {
                for (List<BenchEngine> e : engines) pairs.add(new Pair(e, batches.get(i), inputs.get(i)));
            }
            long warm = (long) (timing.warmupSeconds() * 1e9);
            for (Pair p : pairs) p.runFor(warm, false, workers);
            long slice = (long) (timing.sliceSeconds() * 1e9), target = (long) (timing.seconds() * 1e9);
            for (int round = 0; pairs.stream().anyMatch(p -> p.measured() < target); round++) {
                for (int k = 0; k < pairs.size(); k++) pairs.get((k + round) % pairs.size()).runFor(slice, true, workers);
            }
            return pairs.stream().map(Pair::result).toList();
        } finally {
            if (workers != null) workers.forEach(ExecutorService::shutdown);
        }
    }

    /** A readable table of results, with the onednn/tf ratio for each precision and batch size. */
    public static String table(List<BenchResult> results) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-14s %6s %10s %11s %11s %12s %6s%n", "engine", "batch", "images/s",
                "p50 ms/run", "p90 ms/run", "p50 ms/image", "runs"));
        for (BenchResult r : results) {
            sb.append(String.format(Locale.ROOT, "%-14s %6d %10.2f %11.2f %11.2f %12.2f %6d%n", r.engine(), r.batch(),
                    r.imagesPerSecond(), r.latencyMsP50(), r.latencyMsP90(), r.msPerImageP50(), r.runs()));
        }
        for (BenchResult r : results) {
            if (r.instanceImagesPerSecond() == null || r.instanceImagesPerSecond().size() < 2) continue;
            sb.append(String.format(Locale.ROOT, "%s batch %d, %d instances x %s threads: %s = %.2f images/s%n", r.engine(),
                    r.batch(), r.instances(), r.threadsPerInstance() == null ? "default" : r.threadsPerInstance().toString(),
                    String.join(" + ", r.instanceImagesPerSecond().stream()
                            .map(v -> String.format(Locale.ROOT, "%.2f", v)).toList()), r.imagesPerSecond()));
        }
        for (BenchRatio q : ratios(results)) {
            sb.append(String.format(Locale.ROOT, "ratio %s / %s at batch %d: %.2fx images/s, %.2fx p50 latency%n",
                    q.numerator(), q.denominator(), q.batch(), q.imagesPerSecondRatio(), q.latencyP50Ratio()));
        }
        return sb.toString();
    }

    /**
     * Throughput ratio (and p50 latency ratio) of a oneDNN engine over the TF engine and the ONNX Runtime engine of
     * the same precision, over stock TF FP32 (what a user switching from TF FP32 gains), and, for a lower precision,
     * over onednn-fp32.
     */
    public static List<BenchRatio> ratios(List<BenchResult> results) {
        List<BenchRatio> out = new ArrayList<>();
        for (BenchResult a : results) {
            if (!a.engine().startsWith("onednn-")) continue;
            String tf = "tf-" + a.engine().substring("onednn-".length());
            String ort = "ort-" + a.engine().substring("onednn-".length());
            for (BenchResult b : results) {
                // a lower precision is also compared with FP32 on the same runtime: what the precision alone buys
                boolean baseline = b.engine().equals(tf) || b.engine().equals(ort) || (b.engine().equals("tf-fp32") && !tf.equals("tf-fp32"))
                        || (b.engine().equals("onednn-fp32") && !a.engine().equals("onednn-fp32"));
                if (baseline && b.batch() == a.batch()) {
                    out.add(new BenchRatio(a.engine(), b.engine(), a.batch(), a.imagesPerSecond() / b.imagesPerSecond(),
                            a.latencyMsP50() / b.latencyMsP50()));
                }
            }
        }
        return out;
    }

    /** The results as JSON: {"model": ..., "results": [...], "ratios": [...], "machine": {...}}. */
    public static String json(List<BenchResult> results, String model, Machine machine) {
        return json(results, List.of(), model, machine);
    }

    /** As above, with each engine's floor table ({@code bench --floor}) under "floors", before the machine. */
    public static String json(List<BenchResult> results, List<FloorResult> floors, String model, Machine machine) {
        return new BenchReport(model, results, ratios(results), floors, machine).toJson();
    }

    /** An engine's floor ({@link Floor}) beside its benchmark result: the table {@code bench --floor} prints, as JSON. */
    public static FloorResult floorResult(BenchResult r, Floor f) {
        double total = f.steps().stream().mapToDouble(Floor.StepTime::inRunMs).sum();
        List<FloorResult.Step> steps = f.steps().stream().map(s -> new FloorResult.Step(s.index(), s.node(), s.kind(),
                s.implementation(), s.primitive(), s.inFloor(), s.inRunMs(), total > 0 ? s.inRunMs() / total : 0, s.aloneMs(),
                s.inRunMs() / s.aloneMs(), s.coldMs(), s.weightsColdMs(), s.weightBytes())).toList();
        double floorPerImage = f.floorMs() / f.batch(), coldPerImage = f.coldFloorMs() / f.batch();
        double weightsColdPerImage = f.weightsColdFloorMs() / f.batch();
        return new FloorResult(r.engine(), r.batch(), f.team(), f.engineMs(), f.floorMs(), f.ratio(), f.roundFloorMs(),
                f.roundRatio(), f.outsidePrimitivesMs(),
                r.msPerImageP50(), floorPerImage, r.msPerImageP50() / floorPerImage, f.coldFloorMs(), f.coldRatio(),
                coldPerImage, r.msPerImageP50() / coldPerImage, f.weightsColdFloorMs(), f.weightsColdRatio(),
                weightsColdPerImage, r.msPerImageP50() / weightsColdPerImage, f.evictionBytes(), f.evictionMs(),
                f.weightBytes(), steps);
    }
}
