package io.qtune.reference;

import io.qtune.QtuneException;
import io.qtune.graph.ConvGeometry;
import io.qtune.graph.FusedOps;
import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.ShapeInference;
import io.qtune.graph.Tensor;
import io.qtune.graph.TensorRef;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A slow, plain-Java FP32 executor of any IR, with double accumulation: the independent reference that rewrite
 * passes and the oneDNN engine are tested against. Not for production use.
 */
public final class ReferenceInterpreter {
    /** A tensor value: shape and row-major (NHWC) data. Integer results (ArgMax) are stored as exact floats. */
    public record Value(long[] shape, float[] data) {
        public int size() {
            return data.length;
        }
    }

    private final Graph graph;

    public ReferenceInterpreter(Graph graph) {
        this.graph = graph;
    }

    /** Runs the graph on the given placeholder values and returns every node's output 0 (and BN's extra outputs). */
    public Map<TensorRef, Value> runAll(Map<String, Value> feeds) {
        Map<String, long[]> inShapes = new HashMap<>();
        feeds.forEach((k, v) -> inShapes.put(k, v.shape()));
        Map<TensorRef, long[]> shapes = ShapeInference.infer(graph, inShapes);
        Map<TensorRef, Value> values = new HashMap<>();
        for (Node n : graph.nodes()) {
            long[] shape = shapes.get(new TensorRef(n.name(), 0));
            Value v = eval(n, shape, values, feeds);
            values.put(new TensorRef(n.name(), 0), v);
        }
        return values;
    }

    /** Runs the graph and returns the named outputs ("node" or "node:k"). */
    public Map<String, Value> run(Map<String, Value> feeds, List<String> outputs) {
        Map<TensorRef, Value> all = runAll(feeds);
        Map<String, Value> r = new HashMap<>();
        for (String o : outputs) {
            Value v = all.get(TensorRef.parse(o));
            if (v == null) throw new QtuneException("graph has no output '" + o + "'");
            r.put(o, v);
        }
        return r;
    }

    private Value in(Node n, int i, Map<TensorRef, Value> values) {
        Value v = values.get(n.input(i));
        if (v == null) throw new QtuneException("node '" + n.name() + "' reads '" + n.input(i) + "', which the interpreter cannot produce");
        return v;
    }

    private Value eval(Node n, long[] shape, Map<TensorRef, Value> values, Map<String, Value> feeds) {
        switch (n.op()) {
            case Ops.PLACEHOLDER: return feeds.get(n.name());
            case Ops.CONST: {
                Tensor t = n.attrTensor("value");
                float[] d = new float[t.size()];
                if (t.isFloat()) d = t.floats();
                else for (int i = 0; i < d.length; i++) d[i] = t.longs()[i];
                return new Value(t.shape(), d);
            }
            case Ops.IDENTITY: case Ops.CAST: return in(n, 0, values);
            case Ops.RELU: return map(in(n, 0, values), x -> Math.max(x, 0f));
            case Ops.RELU6: return map(in(n, 0, values), x -> Math.min(Math.max(x, 0f), 6f));
            case Ops.BIAS_ADD: case Ops.ADD: case Ops.ADD_V2: return add(in(n, 0, values), in(n, 1, values), shape);
            case Ops.FUSED_BATCH_NORM: case Ops.FUSED_BATCH_NORM_V2: case Ops.FUSED_BATCH_NORM_V3: {
                if (n.attrBool("is_training", true)) throw new QtuneException("node '" + n.name() + "': training-mode batch norm in an inference graph");
                float[] x = in(n, 0, values).data();
                float[] g = in(n, 1, values).data(), b = in(n, 2, values).data(), m = in(n, 3, values).data(), var = in(n, 4, values).data();
                double eps = n.attrFloat("epsilon", 1e-4f);
                int c = g.length;
                float[] y = new float[x.length];
                for (int i = 0; i < x.length; i++) {
                    int ch = i % c;
                    y[i] = (float) ((x[i] - m[ch]) * g[ch] / Math.sqrt(var[ch] + eps) + b[ch]);
                }
                return new Value(shape, y);
            }
            case Ops.CONV2D: case Ops.FUSED_CONV2D: return conv(n, shape, values);
            case Ops.PAD: {
                Value x = in(n, 0, values);
                long[] p = graph.requireConstant(n, 1).longs();
                float[] y = new float[(int) Tensor.elementCount(shape)];
                long[] xs = x.shape();
                int[] idx = new int[xs.length];
                for (int i = 0; i < x.size(); i++) {
                    int rem = i;
                    for (int d = xs.length - 1; d >= 0; d--) {
                        idx[d] = (int) (rem % xs[d]);
                        rem /= xs[d];
                    }
                    long o = 0;
                    for (int d = 0; d < xs.length; d++) o = o * shape[d] + idx[d] + p[2 * d];
                    y[(int) o] = x.data()[i];
                }
                return new Value(shape, y);
            }
            case Ops.MAX_POOL: case Ops.AVG_POOL: return pool(n, shape, in(n, 0, values));
            case Ops.MEAN: {
                Value x = in(n, 0, values);
                long[] xs = x.shape();
                long[] axes = graph.requireConstant(n, 1).longs();
                boolean[] reduce = new boolean[xs.length];
                for (long a : axes) reduce[(int) (a < 0 ? a + xs.length : a)] = true;
                double[] acc = new double[(int) Tensor.elementCount(shape)];
                long count = 1;
                for (int d = 0; d < xs.length; d++) if (reduce[d]) count *= xs[d];
                for (int i = 0; i < x.size(); i++) {
                    int rem = i;
                    long o = 0, mul = 1;
                    for (int d = xs.length - 1; d >= 0; d--) {
                        int id = (int) (rem % xs[d]);
                        rem /= xs[d];
                        if (!reduce[d]) {
                            o += id * mul;
                            mul *= xs[d];
                        }
                    }
                    acc[(int) o] += x.data()[i];
                }
                float[] y = new float[acc.length];
                for (int i = 0; i < y.length; i++) y[i] = (float) (acc[i] / count);
                return new Value(shape, y);
            }
            case Ops.SQUEEZE: case Ops.RESHAPE: return new Value(shape, in(n, 0, values).data());
            case Ops.MAT_MUL: {
                Value a = in(n, 0, values), b = in(n, 1, values);
                boolean ta = n.attrBool("transpose_a", false), tb = n.attrBool("transpose_b", false);
                int m = (int) shape[0], cols = (int) shape[1];
                int k = (int) (ta ? a.shape()[0] : a.shape()[1]);
                float[] y = new float[m * cols];
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < cols; j++) {
                        double s = 0;
                        for (int l = 0; l < k; l++) {
                            float av = ta ? a.data()[l * m + i] : a.data()[i * k + l];
                            float bv = tb ? b.data()[j * k + l] : b.data()[l * cols + j];
                            s += (double) av * bv;
                        }
                        y[i * cols + j] = (float) s;
                    }
                }
                return new Value(shape, y);
            }
            case Ops.SOFTMAX: {
                Value x = in(n, 0, values);
                int c = (int) x.shape()[x.shape().length - 1];
                float[] y = new float[x.size()];
                for (int r = 0; r < x.size() / c; r++) {
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j < c; j++) max = Math.max(max, x.data()[r * c + j]);
                    for (int j = 0; j < c; j++) sum += Math.exp(x.data()[r * c + j] - max);
                    for (int j = 0; j < c; j++) y[r * c + j] = (float) (Math.exp(x.data()[r * c + j] - max) / sum);
                }
                return new Value(shape, y);
            }
            case Ops.ARG_MAX: {
                Value x = in(n, 0, values);
                long axis = graph.requireConstant(n, 1).longs()[0];
                if (axis < 0) axis += x.shape().length;
                if (axis != x.shape().length - 1) throw new QtuneException("node '" + n.name() + "': ArgMax only over the last axis");
                int c = (int) x.shape()[(int) axis];
                float[] y = new float[x.size() / c];
                for (int r = 0; r < y.length; r++) {
                    int best = 0;
                    for (int j = 1; j < c; j++) if (x.data()[r * c + j] > x.data()[r * c + best]) best = j;
                    y[r] = best;
                }
                return new Value(shape, y);
            }
            default:
                throw new QtuneException("node '" + n.name() + "': the reference interpreter has no rule for op " + n.op());
        }
    }

    private static Value map(Value v, java.util.function.DoubleUnaryOperator f) {
        float[] y = new float[v.size()];
        for (int i = 0; i < y.length; i++) y[i] = (float) f.applyAsDouble(v.data()[i]);
        return new Value(v.shape(), y);
    }

    /** Elementwise add with NumPy broadcasting. */
    private static Value add(Value a, Value b, long[] shape) {
        float[] y = new float[(int) Tensor.elementCount(shape)];
        int r = shape.length;
        for (int i = 0; i < y.length; i++) {
            y[i] = a.data()[broadcastIndex(i, shape, a.shape())] + b.data()[broadcastIndex(i, shape, b.shape())];
        }
        return new Value(shape, y);
    }

    private static int broadcastIndex(int flat, long[] out, long[] in) {
        int rem = flat;
        long idx = 0, mul = 1;
        for (int d = out.length - 1, e = in.length - 1; d >= 0; d--, e--) {
            int id = (int) (rem % out[d]);
            rem /= out[d];
            if (e >= 0) {
                if (in[e] != 1) idx += id * mul;
                mul *= in[e];
            }
        }
        return (int) idx;
    }

    private Value conv(Node n, long[] shape, Map<TensorRef, Value> values) {
        Value x = in(n, 0, values), w = in(n, 1, values);
        long[] xs = x.shape(), ws = w.shape();
        int batch = (int) xs[0], h = (int) xs[1], wd = (int) xs[2], ic = (int) xs[3];
        int kh = (int) ws[0], kw = (int) ws[1], oc = (int) ws[3];
        ConvGeometry g = ConvGeometry.of(n, xs, kh, kw);
        int oh = (int) shape[1], ow = (int) shape[2];
        FusedOps fused = FusedOps.of(n);
        float[] bias = fused.bias() ? in(n, 2, values).data() : null;
        float[] summand = fused.sum() ? in(n, 3, values).data() : null;
        float[] y = new float[batch * oh * ow * oc];
        double[] acc = new double[oc];
        float[] xd = x.data(), wdata = w.data();
        for (int b = 0; b < batch; b++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    Arrays.fill(acc, 0);
                    for (int ky = 0; ky < kh; ky++) {
                        int iy = (int) (oy * g.strideH() - g.padTop() + ky);
                        if (iy < 0 || iy >= h) continue;
                        for (int kx = 0; kx < kw; kx++) {
                            int ix = (int) (ox * g.strideW() - g.padLeft() + kx);
                            if (ix < 0 || ix >= wd) continue;
                            int xBase = ((b * h + iy) * wd + ix) * ic;
                            int wBase = (ky * kw + kx) * ic * oc;
                            for (int c = 0; c < ic; c++) {
                                double xv = xd[xBase + c];
                                int wRow = wBase + c * oc;
                                for (int o = 0; o < oc; o++) acc[o] += xv * wdata[wRow + o];
                            }
                        }
                    }
                    int yBase = ((b * oh + oy) * ow + ox) * oc;
                    for (int o = 0; o < oc; o++) {
                        double v = acc[o];
                        if (fused.bias()) v += bias[o];
                        if (fused.sum()) v += summand[yBase + o];
                        if (Ops.RELU.equals(fused.activation())) v = Math.max(v, 0);
                        else if (Ops.RELU6.equals(fused.activation())) v = Math.min(Math.max(v, 0), 6);
                        y[yBase + o] = (float) v;
                    }
                }
            }
        }
        return new Value(shape, y);
    }

    private Value pool(Node n, long[] shape, Value x) {
        long[] xs = x.shape();
        long[] k = n.attrLongs("ksize");
        ConvGeometry g = ConvGeometry.of(n, xs, k[1], k[2]);
        boolean max = n.op().equals(Ops.MAX_POOL);
        int batch = (int) xs[0], h = (int) xs[1], w = (int) xs[2], c = (int) xs[3];
        int oh = (int) shape[1], ow = (int) shape[2];
        float[] y = new float[batch * oh * ow * c];
        for (int b = 0; b < batch; b++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    for (int ch = 0; ch < c; ch++) {
                        double acc = max ? Double.NEGATIVE_INFINITY : 0;
                        int count = 0; // TF's AvgPool divides by the number of real (unpadded) elements
                        for (int ky = 0; ky < k[1]; ky++) {
                            int iy = (int) (oy * g.strideH() - g.padTop() + ky);
                            if (iy < 0 || iy >= h) continue;
                            for (int kx = 0; kx < k[2]; kx++) {
                                int ix = (int) (ox * g.strideW() - g.padLeft() + kx);
                                if (ix < 0 || ix >= w) continue;
                                float v = x.data()[((b * h + iy) * w + ix) * c + ch];
                                acc = max ? Math.max(acc, v) : acc + v;
                                count++;
                            }
                        }
                        y[((b * oh + oy) * ow + ox) * c + ch] = (float) (max ? acc : acc / count);
                    }
                }
            }
        }
        return new Value(shape, y);
    }
}
