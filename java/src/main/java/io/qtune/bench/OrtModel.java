package io.qtune.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.qtune.QtuneException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ONNX model in ONNX Runtime (Java API, CPU), set up as the bench compares it: all graph optimizations on (QDQ
 * groups fused to QLinearConv/QLinearAdd), intra-op threads as given, inter-op 1, sequential execution. ONNX Runtime
 * has its own thread pool, apart from oneDNN's OpenMP pool; with OMP_WAIT_POLICY=PASSIVE its workers do not spin
 * either. ONNX Runtime is an optional dependency: check {@link BenchEngines#ortAvailable()} before touching this
 * class (its verification loads ONNX Runtime's classes).
 */
public final class OrtModel implements AutoCloseable {
    private final OrtEnvironment env;
    private final OrtSession session;
    private final String input;
    private final int threads;

    private OrtModel(OrtEnvironment env, OrtSession session, int threads) {
        this.env = env;
        this.session = session;
        this.threads = threads;
        Set<String> inputs = session.getInputNames();
        if (inputs.size() != 1) throw new QtuneException("the ONNX model must have exactly one input, found " + inputs);
        this.input = inputs.iterator().next();
    }

    /** Loads a model file with {@code intraOpThreads} threads; a bad file is a one-line error naming it. */
    public static OrtModel load(Path onnx, int intraOpThreads) {
        return load(onnx, intraOpThreads, null);
    }

    /** As {@link #load(Path, int)}, with ONNX Runtime's profiler writing to files that start with {@code profilePrefix}. */
    private static OrtModel load(Path onnx, int intraOpThreads, String profilePrefix) {
        if (intraOpThreads < 1) throw new QtuneException("ONNX Runtime needs at least 1 intra-op thread, got " + intraOpThreads);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            o.setIntraOpNumThreads(intraOpThreads);
            o.setInterOpNumThreads(1);
            // the launcher asks OpenMP not to spin on shared cores; ask ONNX Runtime's pool the same
            if ("PASSIVE".equalsIgnoreCase(System.getenv("OMP_WAIT_POLICY"))) o.addConfigEntry("session.intra_op.allow_spinning", "0");
            if (profilePrefix != null) o.enableProfiling(profilePrefix);
            return new OrtModel(env, env.createSession(onnx.toString(), o), intraOpThreads);
        } catch (OrtException e) {
            throw new QtuneException("ONNX Runtime cannot load " + onnx + ": " + firstLine(e.getMessage()), e);
        }
    }

    private static String firstLine(String s) {
        if (s == null) return "(no message)";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    public int threads() {
        return threads;
    }

    public String inputName() {
        return input;
    }

    /**
     * Runs a batch of NHWC floats of {@code shape} (batch first) and returns the named outputs as floats (an int64
     * output, such as ArgMax's classes, comes back converted to float).
     */
    public Map<String, float[]> run(float[] nhwc, long[] shape, List<String> outputs) {
        try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(nhwc), shape);
             OrtSession.Result r = session.run(Map.of(input, x), Set.copyOf(outputs))) {
            Map<String, float[]> out = new LinkedHashMap<>();
            for (String name : outputs) {
                OnnxValue v = r.get(name).orElseThrow(() -> new QtuneException("the ONNX model has no output '" + name + "'"));
                OnnxTensor t = (OnnxTensor) v;
                FloatBuffer f = t.getFloatBuffer();
                float[] a;
                if (f != null) {
                    a = new float[f.remaining()];
                    f.get(a);
                } else {
                    LongBuffer l = t.getLongBuffer();
                    if (l == null) throw new QtuneException("output '" + name + "' is neither float nor int64");
                    a = new float[l.remaining()];
                    for (int i = 0; i < a.length; i++) a[i] = l.get(i);
                }
                out.put(name, a);
            }
            return out;
        } catch (OrtException e) {
            throw new QtuneException("ONNX Runtime failed to run: " + firstLine(e.getMessage()), e);
        }
    }

    /**
     * Where ONNX Runtime's time goes at one batch size: a separate profiling session runs {@code runs} times (after
     * one warm-up run) and its kernel times are summed per op type (QLinearConv, QLinearAdd, ...), then the slowest
     * nodes. For the bench's --profile.
     */
    public static String profile(Path onnx, int intraOpThreads, long[] shape, List<String> outputs, int runs) {
        if (runs < 1) throw new QtuneException("profile needs runs >= 1");
        Path dir;
        try {
            dir = java.nio.file.Files.createTempDirectory("qtune-ort-profile");
        } catch (java.io.IOException e) {
            throw new QtuneException("cannot create a folder for ONNX Runtime's profile: " + e.getMessage(), e);
        }
        long elements = 1;
        for (long d : shape) elements *= d;
        float[] in = new float[Math.toIntExact(elements)];
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < in.length; i++) in[i] = (float) r.nextGaussian();
        String file;
        try (OrtModel m = load(onnx, intraOpThreads, dir.resolve("ort").toString())) {
            m.run(in, shape, outputs);
            for (int i = 0; i < runs; i++) m.run(in, shape, outputs);
            file = m.session.endProfiling();
        } catch (OrtException e) {
            throw new QtuneException("ONNX Runtime's profiler failed: " + firstLine(e.getMessage()), e);
        }
        try {
            Path f = Path.of(file);
            return profileTable(java.nio.file.Files.readString(f), file, shape[0], runs);
        } catch (java.io.IOException e) {
            throw new QtuneException("cannot read ONNX Runtime's profile " + file + ": " + e.getMessage(), e);
        } finally {
            try (var files = java.nio.file.Files.list(dir)) {
                for (Path p : files.toList()) java.nio.file.Files.deleteIfExists(p);
                java.nio.file.Files.deleteIfExists(dir);
            } catch (java.io.IOException ignored) {
                // a stray profile in the temp folder is harmless
            }
        }
    }

    /** Sums the "Node" events' kernel times of a Chrome-trace profile; the warm-up run is in the trace too, so it is left out. */
    static String profileTable(String trace, String source, long batch, int runs) {
        Object parsed = io.qtune.Json.parse(trace, source);
        if (!(parsed instanceof List<?> events)) throw new QtuneException(source + ": not a list of trace events");
        Map<String, double[]> byOp = new java.util.TreeMap<>(), byNode = new LinkedHashMap<>();
        Map<String, Integer> seen = new java.util.HashMap<>();
        for (Object o : events) {
            if (!(o instanceof Map<?, ?> ev) || !"Node".equals(ev.get("cat"))) continue;
            String name = String.valueOf(ev.get("name"));
            if (!name.endsWith("_kernel_time") || !(ev.get("args") instanceof Map<?, ?> args)) continue;
            String node = name.substring(0, name.length() - "_kernel_time".length());
            // the first event of each node belongs to the warm-up run
            if (seen.merge(node, 1, Integer::sum) == 1) continue;
            double us = ((Number) ev.get("dur")).doubleValue();
            String op = String.valueOf(args.get("op_name"));
            byOp.computeIfAbsent(op, k -> new double[2])[0] += us;
            byOp.get(op)[1]++;
            byNode.computeIfAbsent(node + " (" + op + ")", k -> new double[1])[0] += us;
        }
        double total = byOp.values().stream().mapToDouble(v -> v[0]).sum();
        StringBuilder sb = new StringBuilder(String.format(java.util.Locale.ROOT,
                "batch %d, %d runs: %.3f ms of kernels per run%n", batch, runs, total / 1e3 / runs));
        byOp.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue()[0], a.getValue()[0])).forEach(e ->
                sb.append(String.format(java.util.Locale.ROOT, "  %-24s %9.3f ms %5.1f%%  %4d nodes%n", e.getKey(),
                        e.getValue()[0] / 1e3 / runs, 100 * e.getValue()[0] / Math.max(total, 1e-9), Math.round(e.getValue()[1] / runs))));
        sb.append("  slowest nodes:\n");
        byNode.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue()[0], a.getValue()[0])).limit(10).forEach(e ->
                sb.append(String.format(java.util.Locale.ROOT, "  %9.3f ms  %s%n", e.getValue()[0] / 1e3 / runs, e.getKey())));
        return sb.toString();
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new QtuneException("ONNX Runtime failed to close a session: " + e.getMessage(), e);
        }
    }
}
