package io.qtune.engine;

import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.Tensor;
import io.qtune.graph.TensorRef;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A deliberately naive FP32 evaluator of the ops the engine supports, written from TensorFlow's definitions
 * (NHWC, HWIO, SAME/VALID/EXPLICIT padding, AvgPool averaging over valid elements only) without sharing code
 * with the engine or the graph package's geometry. Accumulates in double.
 */
final class ScalarReference {
    /** A computed tensor: TF shape and row-major values (floats, or longs for integer results). */
    record T(long[] shape, float[] f, long[] l) {
        int size() {
            return f != null ? f.length : l.length;
        }
    }

    private final Graph g;
    private final Map<TensorRef, T> values = new HashMap<>();

    private ScalarReference(Graph g) {
        this.g = g;
    }

    static Map<String, T> run(Graph g, float[] input, int batch) {
        ScalarReference r = new ScalarReference(g);
        for (Node n : g.nodes()) r.visit(n, input, batch);
        Map<String, T> out = new HashMap<>();
        for (Node s : g.sinks()) out.put(s.name(), r.values.get(new TensorRef(s.name(), 0)));
        return out;
    }

    private T in(Node n, int i) {
        return values.get(n.input(i));
    }

    private void put(Node n, T t) {
        values.put(new TensorRef(n.name(), 0), t);
    }

    private void visit(Node n, float[] input, int batch) {
        switch (n.op()) {
            case Ops.PLACEHOLDER -> {
                long[] s = n.attrShape("shape").dims().clone();
                s[0] = batch;
                put(n, new T(s, input.clone(), null));
            }
            case Ops.CONST -> {
                Tensor t = n.attrTensor("value");
                put(n, new T(t.shape(), t.isFloat() ? t.floats() : null, t.isFloat() ? null : t.longs()));
            }
            case Ops.IDENTITY -> put(n, in(n, 0));
            case Ops.SQUEEZE, Ops.RESHAPE -> {
                T x = in(n, 0);
                long[] s;
                if (n.op().equals(Ops.SQUEEZE)) {
                    s = java.util.Arrays.stream(x.shape()).filter(d -> d != 1).toArray();
                } else {
                    s = in(n, 1).l().clone();
                    long known = 1;
                    int free = -1;
                    for (int i = 0; i < s.length; i++) {
                        if (s[i] == -1) free = i;
                        else known *= s[i];
                    }
                    if (free >= 0) s[free] = x.size() / known;
                }
                put(n, new T(s, x.f(), x.l()));
            }
            case Ops.CONV2D, Ops.FUSED_CONV2D -> put(n, conv(n));
            case Ops.BIAS_ADD -> {
                T x = in(n, 0);
                float[] b = in(n, 1).f(), y = new float[x.size()];
                for (int i = 0; i < y.length; i++) y[i] = x.f()[i] + b[i % b.length];
                put(n, new T(x.shape(), y, null));
            }
            case Ops.ADD, Ops.ADD_V2 -> {
                T a = in(n, 0), b = in(n, 1);
                float[] y = new float[a.size()];
                for (int i = 0; i < y.length; i++) y[i] = a.f()[i] + b.f()[i];
                put(n, new T(a.shape(), y, null));
            }
            case Ops.RELU, Ops.RELU6 -> {
                T x = in(n, 0);
                float[] y = new float[x.size()];
                for (int i = 0; i < y.length; i++) y[i] = act(n.op(), x.f()[i]);
                put(n, new T(x.shape(), y, null));
            }
            case Ops.MAX_POOL, Ops.AVG_POOL -> put(n, pool(n));
            case Ops.MEAN -> {
                T x = in(n, 0);
                long b = x.shape()[0], h = x.shape()[1], w = x.shape()[2], c = x.shape()[3];
                float[] y = new float[(int) (b * c)];
                for (int i = 0; i < b; i++) {
                    for (int k = 0; k < c; k++) {
                        double s = 0;
                        for (int p = 0; p < h * w; p++) s += x.f()[(int) ((i * h * w + p) * c + k)];
                        y[(int) (i * c + k)] = (float) (s / (h * w));
                    }
                }
                put(n, new T(n.attrBool("keep_dims", false) ? new long[] {b, 1, 1, c} : new long[] {b, c}, y, null));
            }
            case Ops.MAT_MUL -> {
                T a = in(n, 0), w = in(n, 1);
                boolean tb = n.attrBool("transpose_b", false);
                int m = (int) a.shape()[0], k = (int) a.shape()[1], o = (int) (tb ? w.shape()[0] : w.shape()[1]);
                float[] y = new float[m * o];
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < o; j++) {
                        double s = 0;
                        for (int p = 0; p < k; p++) s += (double) a.f()[i * k + p] * w.f()[tb ? j * k + p : p * o + j];
                        y[i * o + j] = (float) s;
                    }
                }
                put(n, new T(new long[] {m, o}, y, null));
            }
            case Ops.SOFTMAX -> {
                T x = in(n, 0);
                int c = (int) x.shape()[x.shape().length - 1];
                float[] y = new float[x.size()];
                for (int r = 0; r < x.size() / c; r++) {
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j < c; j++) max = Math.max(max, x.f()[r * c + j]);
                    for (int j = 0; j < c; j++) sum += Math.exp(x.f()[r * c + j] - max);
                    for (int j = 0; j < c; j++) y[r * c + j] = (float) (Math.exp(x.f()[r * c + j] - max) / sum);
                }
                put(n, new T(x.shape(), y, null));
            }
            case Ops.ARG_MAX -> {
                T x = in(n, 0);
                int c = (int) x.shape()[x.shape().length - 1];
                long[] y = new long[x.size() / c];
                for (int r = 0; r < y.length; r++) {
                    int best = 0;
                    for (int j = 1; j < c; j++) if (x.f()[r * c + j] > x.f()[r * c + best]) best = j;
                    y[r] = best;
                }
                put(n, new T(java.util.Arrays.copyOf(x.shape(), x.shape().length - 1), null, y));
            }
            case Ops.CAST -> {
                T x = in(n, 0);
                float[] y = new float[x.size()];
                for (int i = 0; i < y.length; i++) y[i] = x.l()[i];
                put(n, new T(x.shape(), y, null));
            }
            default -> throw new IllegalArgumentException("reference has no rule for " + n.op());
        }
    }

    private static float act(String op, float v) {
        return switch (op) {
            case Ops.RELU -> Math.max(v, 0f);
            case Ops.RELU6 -> Math.min(Math.max(v, 0f), 6f);
            default -> v;
        };
    }

    /** {top, bottom, left, right, outH, outW} by TensorFlow's rules. */
    private static long[] window(Node n, long h, long w, long kh, long kw) {
        long[] st = n.attrLongs("strides");
        long sh = st[1], sw = st[2];
        String p = n.attrString("padding");
        long pt = 0, pb = 0, pl = 0, pr = 0;
        if (p.equals("SAME")) {
            long oh = -Math.floorDiv(-h, sh), ow = -Math.floorDiv(-w, sw);
            long th = Math.max(0, (oh - 1) * sh + kh - h), tw = Math.max(0, (ow - 1) * sw + kw - w);
            pt = th / 2;
            pb = th - th / 2;
            pl = tw / 2;
            pr = tw - tw / 2;
        } else if (p.equals("EXPLICIT")) {
            long[] e = n.attrLongs("explicit_paddings");
            pt = e[2];
            pb = e[3];
            pl = e[4];
            pr = e[5];
        }
        return new long[] {pt, pb, pl, pr, (h + pt + pb - kh) / sh + 1, (w + pl + pr - kw) / sw + 1};
    }

    private T conv(Node n) {
        T x = in(n, 0), f = in(n, 1);
        int b = (int) x.shape()[0], h = (int) x.shape()[1], w = (int) x.shape()[2], c = (int) x.shape()[3];
        int kh = (int) f.shape()[0], kw = (int) f.shape()[1], o = (int) f.shape()[3];
        long[] st = n.attrLongs("strides");
        long[] win = window(n, h, w, kh, kw);
        int oh = (int) win[4], ow = (int) win[5];
        List<String> fused = n.op().equals(Ops.FUSED_CONV2D) ? n.attrStrings("fused_ops") : List.of();
        float[] bias = fused.isEmpty() ? null : in(n, 2).f();
        float[] summand = fused.contains(Ops.ADD) ? in(n, 3).f() : null;
        String act = fused.contains(Ops.RELU) ? Ops.RELU : fused.contains(Ops.RELU6) ? Ops.RELU6 : "";
        float[] y = new float[b * oh * ow * o];
        for (int i = 0; i < b; i++) {
            for (int r = 0; r < oh; r++) {
                for (int q = 0; q < ow; q++) {
                    for (int k = 0; k < o; k++) {
                        double s = 0;
                        for (int u = 0; u < kh; u++) {
                            long yy = r * st[1] - win[0] + u;
                            if (yy < 0 || yy >= h) continue;
                            for (int v = 0; v < kw; v++) {
                                long xx = q * st[2] - win[2] + v;
                                if (xx < 0 || xx >= w) continue;
                                for (int ch = 0; ch < c; ch++) {
                                    s += (double) x.f()[(int) (((i * h + yy) * w + xx) * c + ch)]
                                            * f.f()[((u * kw + v) * c + ch) * o + k];
                                }
                            }
                        }
                        int at = ((i * oh + r) * ow + q) * o + k;
                        if (bias != null) s += bias[k];
                        if (summand != null) s += summand[at];
                        y[at] = act(act, (float) s);
                    }
                }
            }
        }
        return new T(new long[] {b, oh, ow, o}, y, null);
    }

    private T pool(Node n) {
        T x = in(n, 0);
        boolean max = n.op().equals(Ops.MAX_POOL);
        long[] k = n.attrLongs("ksize"), st = n.attrLongs("strides");
        int b = (int) x.shape()[0], h = (int) x.shape()[1], w = (int) x.shape()[2], c = (int) x.shape()[3];
        long[] win = window(n, h, w, k[1], k[2]);
        int oh = (int) win[4], ow = (int) win[5];
        float[] y = new float[b * oh * ow * c];
        for (int i = 0; i < b; i++) {
            for (int r = 0; r < oh; r++) {
                for (int q = 0; q < ow; q++) {
                    for (int ch = 0; ch < c; ch++) {
                        double acc = max ? Double.NEGATIVE_INFINITY : 0;
                        int count = 0;
                        for (int u = 0; u < k[1]; u++) {
                            long yy = r * st[1] - win[0] + u;
                            if (yy < 0 || yy >= h) continue;
                            for (int v = 0; v < k[2]; v++) {
                                long xx = q * st[2] - win[2] + v;
                                if (xx < 0 || xx >= w) continue;
                                float val = x.f()[(int) (((i * h + yy) * w + xx) * c + ch)];
                                acc = max ? Math.max(acc, val) : acc + val;
                                count++;
                            }
                        }
                        y[((i * oh + r) * ow + q) * c + ch] = (float) (max ? acc : acc / count);
                    }
                }
            }
        }
        return new T(new long[] {b, oh, ow, c}, y, null);
    }
}
