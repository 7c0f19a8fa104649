package io.qtune.zoo;

/**
 * A from-scratch scalar forward pass of TF-official ResNet50-v1.5 (conv2d_fixed_padding, stride on the 3x3,
 * projection on each stage's first block), reading every weight by its MLPerf name from a GraphDef. It shares no
 * code with the builder: it is the independent reference the built graph is checked against.
 */
final class ReferenceResNet50 {
    /** An HWC feature map. */
    record Map3(int h, int w, int c, float[] v) {
        float at(int y, int x, int ch) {
            return v[(y * w + x) * c + ch];
        }
    }

    private final GraphDefView g;
    private final double epsilon;
    private int conv;

    ReferenceResNet50(GraphDefView g, double epsilon) {
        this.g = g;
        this.epsilon = epsilon;
    }

    /** Logits (before softmax) of one image. */
    float[] logits(float[] hwc, int size) {
        conv = 0;
        Map3 x = new Map3(size, size, 3, hwc);
        x = relu(bn(conv(x, 2)));
        x = maxPool3x3s2Same(x);
        int[] blocks = {3, 4, 6, 3};
        for (int stage = 0; stage < 4; stage++) {
            for (int b = 0; b < blocks[stage]; b++) {
                int stride = (stage > 0 && b == 0) ? 2 : 1;
                Map3 shortcut = b == 0 ? bn(conv(x, stride)) : x;
                Map3 y = relu(bn(conv(x, 1)));
                y = relu(bn(conv(y, stride)));
                y = bn(conv(y, 1));
                x = relu(add(y, shortcut));
            }
        }
        double[] pooled = new double[x.c];
        for (int i = 0; i < x.h * x.w; i++) for (int c = 0; c < x.c; c++) pooled[c] += x.v[i * x.c + c];
        float[] k = g.floats("resnet_model/dense/kernel");
        float[] bias = g.floats("resnet_model/dense/bias");
        int classes = bias.length;
        float[] out = new float[classes];
        for (int o = 0; o < classes; o++) {
            double s = bias[o];
            for (int c = 0; c < x.c; c++) s += pooled[c] / (x.h * x.w) * k[c * classes + o];
            out[o] = (float) s;
        }
        return out;
    }

    private String name(String base) {
        return "resnet_model/" + (conv == 0 ? base : base + "_" + conv);
    }

    /** Conv with TF-official fixed padding when strided (pad (k-1)/2 before, the rest after), SAME otherwise. */
    private Map3 conv(Map3 x, int stride) {
        String n = name("conv2d");
        float[] k = g.floats(n + "/kernel");
        long[] ks = g.constShape(n + "/kernel");
        int kh = (int) ks[0];
        int kw = (int) ks[1];
        int out = (int) ks[3];
        int padTop;
        int oh;
        int ow;
        if (stride > 1) {
            padTop = (kh - 1) / 2;
            int padded = x.h + kh - 1;
            oh = (padded - kh) / stride + 1;
            ow = (x.w + kw - 1 - kw) / stride + 1;
        } else {
            padTop = (kh - 1) / 2;
            oh = x.h;
            ow = x.w;
        }
        int padLeft = (kw - 1) / 2;
        float[] o = new float[oh * ow * out];
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                for (int f = 0; f < out; f++) {
                    double s = 0;
                    for (int dy = 0; dy < kh; dy++) {
                        int iy = oy * stride + dy - padTop;
                        if (iy < 0 || iy >= x.h) continue;
                        for (int dx = 0; dx < kw; dx++) {
                            int ix = ox * stride + dx - padLeft;
                            if (ix < 0 || ix >= x.w) continue;
                            for (int c = 0; c < x.c; c++) {
                                s += x.at(iy, ix, c) * k[((dy * kw + dx) * x.c + c) * out + f];
                            }
                        }
                    }
                    o[(oy * ow + ox) * out + f] = (float) s;
                }
            }
        }
        return new Map3(oh, ow, out, o);
    }

    private Map3 bn(Map3 x) {
        String n = name("batch_normalization");
        conv++;
        float[] gamma = g.floats(n + "/gamma");
        float[] beta = g.floats(n + "/beta");
        float[] mean = g.floats(n + "/moving_mean");
        float[] var = g.floats(n + "/moving_variance");
        float[] o = new float[x.v.length];
        for (int i = 0; i < o.length; i++) {
            int c = i % x.c;
            o[i] = (float) ((x.v[i] - mean[c]) / Math.sqrt(var[c] + epsilon) * gamma[c] + beta[c]);
        }
        return new Map3(x.h, x.w, x.c, o);
    }

    private static Map3 relu(Map3 x) {
        float[] o = new float[x.v.length];
        for (int i = 0; i < o.length; i++) o[i] = Math.max(0, x.v[i]);
        return new Map3(x.h, x.w, x.c, o);
    }

    private static Map3 add(Map3 a, Map3 b) {
        float[] o = new float[a.v.length];
        for (int i = 0; i < o.length; i++) o[i] = a.v[i] + b.v[i];
        return new Map3(a.h, a.w, a.c, o);
    }

    /** TF SAME max pooling: out = ceil(in/2), total padding split with the smaller half before. */
    private static Map3 maxPool3x3s2Same(Map3 x) {
        int oh = (x.h + 1) / 2;
        int ow = (x.w + 1) / 2;
        int padTop = Math.max((oh - 1) * 2 + 3 - x.h, 0) / 2;
        int padLeft = Math.max((ow - 1) * 2 + 3 - x.w, 0) / 2;
        float[] o = new float[oh * ow * x.c];
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                for (int c = 0; c < x.c; c++) {
                    float m = Float.NEGATIVE_INFINITY;
                    for (int dy = 0; dy < 3; dy++) {
                        int iy = oy * 2 + dy - padTop;
                        if (iy < 0 || iy >= x.h) continue;
                        for (int dx = 0; dx < 3; dx++) {
                            int ix = ox * 2 + dx - padLeft;
                            if (ix < 0 || ix >= x.w) continue;
                            m = Math.max(m, x.at(iy, ix, c));
                        }
                    }
                    o[(oy * ow + ox) * x.c + c] = m;
                }
            }
        }
        return new Map3(oh, ow, x.c, o);
    }
}
