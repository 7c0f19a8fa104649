package io.qtune.bench;

import io.qtune.QtuneException;
import io.qtune.platform.Machine;
import io.qtune.report.BenchRatio;
import io.qtune.report.BenchReport;
import io.qtune.report.BenchResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
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

    private final List<BenchEngine> engines;
    private final List<Integer> batches;
    private final Timing timing;
    private final List<float[]> inputs;
    private final LongSupplier clock;

    /**
     * @param imagesFor supplies the input of one batch size (exactly batch images)
     */
    public Benchmark(List<BenchEngine> engines, List<Integer> batches, Timing timing,
                     java.util.function.IntFunction<float[]> imagesFor) {
        this(engines, batches, timing, imagesFor, System::nanoTime);
    }

    Benchmark(List<BenchEngine> engines, List<Integer> batches, Timing timing,
              java.util.function.IntFunction<float[]> imagesFor, LongSupplier clock) {
        if (engines.isEmpty() || batches.isEmpty()) throw new QtuneException("bench needs at least one engine and one batch size");
        for (int b : batches) if (b < 1) throw new QtuneException("batch sizes must be at least 1, got " + b);
        this.engines = List.copyOf(engines);
        this.batches = List.copyOf(batches);
        this.timing = timing;
        this.clock = clock;
        this.inputs = new ArrayList<>();
        for (int b : batches) inputs.add(imagesFor.apply(b));
    }

    private final class Pair {
        final BenchEngine engine;
        final int batch;
        final float[] input;
        long[] latencies = new long[64];
        int runs;
        long total;

        Pair(BenchEngine engine, int batch, float[] input) {
            this.engine = engine;
            this.batch = batch;
            this.input = input;
        }

        /** Runs for about {@code nanos}, at least once; records the runs when {@code record}. */
        void runFor(long nanos, boolean record) {
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

        BenchResult result() {
            long[] sorted = Arrays.copyOf(latencies, runs);
            Arrays.sort(sorted);
            return new BenchResult(engine.name(), batch, batch * runs / (total / 1e9), percentile(sorted, 0.5) / 1e6,
                    percentile(sorted, 0.9) / 1e6, runs, total / 1e9);
        }
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** Warms every pair up, then measures in rotating rounds until every pair has its measured time. */
    public List<BenchResult> run() {
        List<Pair> pairs = new ArrayList<>();
        for (int i = 0; i < batches.size(); i++) {
            for (BenchEngine e : engines) pairs.add(new Pair(e, batches.get(i), inputs.get(i)));
        }
        long warm = (long) (timing.warmupSeconds() * 1e9);
        for (Pair p : pairs) p.runFor(warm, false);
        long slice = (long) (timing.sliceSeconds() * 1e9), target = (long) (timing.seconds() * 1e9);
        for (int round = 0; pairs.stream().anyMatch(p -> p.total < target); round++) {
            for (int k = 0; k < pairs.size(); k++) pairs.get((k + round) % pairs.size()).runFor(slice, true);
        }
        return pairs.stream().map(Pair::result).toList();
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
        return new BenchReport(model, results, ratios(results), machine).toJson();
    }
}
