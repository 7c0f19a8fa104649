package io.qtune.bench;

import io.qtune.QtuneException;
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
    /** Throughput and latency of one engine at one batch size. */
    public record Result(String engine, int batch, double imagesPerSecond, double latencyMsP50, double latencyMsP90,
                         int runs, double seconds) {
        /** Milliseconds per image at the median run. */
        public double msPerImageP50() {
            return latencyMsP50 / batch;
        }
    }

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

        Result result() {
            long[] sorted = Arrays.copyOf(latencies, runs);
            Arrays.sort(sorted);
            return new Result(engine.name(), batch, batch * runs / (total / 1e9), percentile(sorted, 0.5) / 1e6,
                    percentile(sorted, 0.9) / 1e6, runs, total / 1e9);
        }
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** Warms every pair up, then measures in rotating rounds until every pair has its measured time. */
    public List<Result> run() {
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
    public static String table(List<Result> results) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-14s %6s %10s %11s %11s %12s %6s%n", "engine", "batch", "images/s",
                "p50 ms/run", "p90 ms/run", "p50 ms/image", "runs"));
        for (Result r : results) {
            sb.append(String.format(Locale.ROOT, "%-14s %6d %10.2f %11.2f %11.2f %12.2f %6d%n", r.engine(), r.batch(),
                    r.imagesPerSecond(), r.latencyMsP50(), r.latencyMsP90(), r.msPerImageP50(), r.runs()));
        }
        for (Ratio q : ratios(results)) {
            sb.append(String.format(Locale.ROOT, "ratio %s / %s at batch %d: %.2fx images/s, %.2fx p50 latency%n",
                    q.numerator(), q.denominator(), q.batch(), q.throughput(), q.latencyP50()));
        }
        return sb.toString();
    }

    /**
     * Throughput ratio (and p50 latency ratio) of a oneDNN engine over the TF engine of the same precision, and
     * over stock TF FP32 (what a user switching from TF FP32 gains).
     */
    public record Ratio(String numerator, String denominator, int batch, double throughput, double latencyP50) {}

    public static List<Ratio> ratios(List<Result> results) {
        List<Ratio> out = new ArrayList<>();
        for (Result a : results) {
            if (!a.engine().startsWith("onednn-")) continue;
            String tf = "tf-" + a.engine().substring("onednn-".length());
            for (Result b : results) {
                boolean baseline = b.engine().equals(tf) || (b.engine().equals("tf-fp32") && !tf.equals("tf-fp32"));
                if (baseline && b.batch() == a.batch()) {
                    out.add(new Ratio(a.engine(), b.engine(), a.batch(), a.imagesPerSecond() / b.imagesPerSecond(),
                            a.latencyMsP50() / b.latencyMsP50()));
                }
            }
        }
        return out;
    }

    /** The results as JSON: {"model", "machine", "results": [...], "ratios": [...]}. */
    public static String json(List<Result> results, String model) {
        return json(results, model, null, java.util.Map.of());
    }

    /**
     * The results as JSON, with the machine they were measured on and, for each result that has one (key
     * {@code engine + "@" + batch}), its floor: {@code floor_ms_per_image} and {@code floor_ratio} (p50 per image over it).
     */
    public static String json(List<Result> results, String model, java.util.Map<String, Object> machine,
                              java.util.Map<String, io.qtune.engine.Floor> floors) {
        StringBuilder sb = new StringBuilder("{\n  \"model\": ").append(quote(model));
        if (machine != null) sb.append(",\n  \"machine\": ").append(io.qtune.Json.write(machine));
        sb.append(",\n  \"results\": [");
        for (int i = 0; i < results.size(); i++) {
            Result r = results.get(i);
            io.qtune.engine.Floor f = floors.get(r.engine() + "@" + r.batch());
            String floor = f == null ? "" : String.format(Locale.ROOT,
                    ", \"floor_ms_per_image\": %.4f, \"floor_ratio\": %.4f, \"floor_team\": %d, \"outside_primitives_ms\": %.4f",
                    f.floorMs() / f.batch(), r.msPerImageP50() / (f.floorMs() / f.batch()), f.team(), f.outsidePrimitivesMs());
            sb.append(i == 0 ? "\n" : ",\n").append(String.format(Locale.ROOT,
                    "    {\"engine\": %s, \"batch\": %d, \"images_per_second\": %.4f, \"latency_ms_p50\": %.4f, "
                            + "\"latency_ms_p90\": %.4f, \"runs\": %d, \"seconds\": %.3f%s}",
                    quote(r.engine()), r.batch(), r.imagesPerSecond(), r.latencyMsP50(), r.latencyMsP90(), r.runs(), r.seconds(),
                    floor));
        }
        sb.append("\n  ],\n  \"ratios\": [");
        List<Ratio> ratios = ratios(results);
        for (int i = 0; i < ratios.size(); i++) {
            Ratio q = ratios.get(i);
            sb.append(i == 0 ? "\n" : ",\n").append(String.format(Locale.ROOT,
                    "    {\"numerator\": %s, \"denominator\": %s, \"batch\": %d, \"images_per_second_ratio\": %.4f, "
                            + "\"latency_p50_ratio\": %.4f}",
                    quote(q.numerator()), quote(q.denominator()), q.batch(), q.throughput(), q.latencyP50()));
        }
        return sb.append("\n  ]\n}\n").toString();
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20) sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.append('"').toString();
    }
}
