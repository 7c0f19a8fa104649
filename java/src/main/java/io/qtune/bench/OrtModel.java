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
        if (intraOpThreads < 1) throw new QtuneException("ONNX Runtime needs at least 1 intra-op thread, got " + intraOpThreads);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            o.setIntraOpNumThreads(intraOpThreads);
            o.setInterOpNumThreads(1);
            // the launcher asks OpenMP not to spin on shared cores; ask ONNX Runtime's pool the same
            if ("PASSIVE".equalsIgnoreCase(System.getenv("OMP_WAIT_POLICY"))) o.addConfigEntry("session.intra_op.allow_spinning", "0");
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

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new QtuneException("ONNX Runtime failed to close a session: " + e.getMessage(), e);
        }
    }
}
