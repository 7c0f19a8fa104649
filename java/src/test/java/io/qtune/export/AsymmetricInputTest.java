package io.qtune.export;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.graph.DType;
import io.qtune.graph.Graph;
import io.qtune.graph.Ops;
import io.qtune.graph.Tensor;
import io.qtune.testing.Cpu;
import io.qtune.testing.GraphBuilder;
import io.qtune.testing.TfInt8Reference;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Whether TF 2.18's quantized convolution computes an asymmetric (MIN_FIRST, zero-point) quint8 input correctly, as
 * the seed's tuner's "asym" activation scheme would need for the first convolution, whose input is signed. Measured
 * on a 1x1 convolution of inputs in [-1, 1]: the symmetric qint8 input (SCALED) gives the float result within the
 * quantization noise; the MIN_FIRST quint8 input gives exactly what the zero-point-free formula of
 * docs/int8-semantics.md gives for its codes (TF reads min/max as the symmetric range R = max(|min|, |max|) and
 * never subtracts a zero point), which is far from the float result. Asking for it with the internal kernels'
 * {@code input_quant_mode=MIN_FIRST} changes nothing: the public op has no such attribute and TF ignores it. So
 * qtune offers only the symmetric scheme ({@code --scheme asym} is an error saying why).
 */
class AsymmetricInputTest {
    static final long N = 2, H = 4, W = 4, IC = 16, OC = 8;
    static final float IN_RANGE = 1f, FILTER_RANGE = 0.5f, OUT_RANGE = 4f;

    @Test
    void tensorFlowReadsAMinFirstQuint8InputWithoutItsZeroPoint() {
        Cpu.assumeTfRunsInt8();
        Int8OpGraphs b = new Int8OpGraphs(7);
        long[] shape = {N, H, W, IC};
        float[] x = GraphBuilder.randomInput(5, IN_RANGE, shape);
        for (int i = 0; i < x.length; i++) x[i] = Math.max(-IN_RANGE, Math.min(IN_RANGE, x[i]));
        // the formula is checked code for code, so on every CPU: even codes up to 64 never saturate vpmaddubsw's pairs
        // and halve exactly on signed input (Int8DotProduct.saturationFree)
        long[] filter = b.randomFilter(1, 1, IC, OC);
        for (int i = 0; i < filter.length; i++) filter[i] = 2 * Math.round(filter[i] / 4.0);
        assertTrue(io.qtune.semantics.Int8DotProduct.saturationFree(filter, DType.QINT8)
                && io.qtune.semantics.Int8DotProduct.saturationFree(filter, DType.QUINT8));
        String in = b.placeholder("input");
        String wq = b.constant("filter", Tensor.ofLongs(DType.QINT8, new long[] {1, 1, IC, OC}, filter));
        String bias = b.constant("bias", Tensor.ofFloats(new long[] {OC}, new float[(int) OC]));
        String minF = b.scalar("filter/min", -FILTER_RANGE), maxF = b.scalar("filter/max", FILTER_RANGE);

        String sym = b.quantizeV2("sym", in, DType.QINT8, -IN_RANGE, IN_RANGE);
        conv(b, "conv_sym", sym, wq, bias, minF, maxF, DType.QINT8);
        // MIN_FIRST maps [min, max] onto 0..255: code 0 is -1, the zero point is 127.5
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("T", DType.QUINT8);
        a.put("mode", "MIN_FIRST");
        a.put("round_mode", "HALF_AWAY_FROM_ZERO");
        a.put("narrow_range", false);
        a.put("axis", -1L);
        a.put("ensure_minimum_range", 0.01f);
        String asym = b.add("asym", Ops.QUANTIZE_V2, List.of(in, b.scalar("asym/min", -IN_RANGE), b.scalar("asym/max", IN_RANGE)), a);
        conv(b, "conv_asym", asym, wq, bias, minF, maxF, DType.QUINT8);
        conv(b, "conv_asym_mode", asym, wq, bias, minF, maxF, DType.QUINT8);
        List<io.qtune.graph.Node> nodes = new ArrayList<>();
        for (io.qtune.graph.Node n : b.build().nodes()) nodes.add(n.name().equals("conv_asym_mode") ? n.withAttr("input_quant_mode", "MIN_FIRST") : n);
        Graph g = new Graph(nodes);

        Map<String, TfInt8Reference.Fetched> tf = TfInt8Reference.run(g, "input", x, shape,
                Map.of("conv_sym", DType.QINT8, "conv_asym", DType.QINT8, "asym", DType.QUINT8, "conv_asym_mode", DType.QINT8));
        float[] modeCodes = tf.get("conv_asym_mode").values();
        float[] symCodes = tf.get("conv_sym").values(), asymCodes = tf.get("conv_asym").values(), inCodes = tf.get("asym").values();
        float outStep = OUT_RANGE / 127, wStep = FILTER_RANGE / 127;
        double symWorst = 0, asymWorst = 0, formulaWorst = 0, modeWorst = 0;
        for (int p = 0; p < N * H * W; p++) {
            for (int o = 0; o < OC; o++) {
                double exact = 0, zeroPointFree = 0;
                for (int c = 0; c < IC; c++) {
                    double w = filter[(int) (c * OC + o)] * wStep;
                    exact += x[(int) (p * IC + c)] * w;
                    // docs/int8-semantics.md: s_in = R(min, max) / 255 for quint8, codes used as they are
                    zeroPointFree += inCodes[(int) (p * IC + c)] * (IN_RANGE / 255.0) * w;
                }
                int i = (int) (p * OC + o);
                double clampedExact = Math.max(-OUT_RANGE, Math.min(OUT_RANGE, exact));
                symWorst = Math.max(symWorst, Math.abs(symCodes[i] * outStep - clampedExact));
                asymWorst = Math.max(asymWorst, Math.abs(asymCodes[i] * outStep - clampedExact));
                modeWorst = Math.max(modeWorst, Math.abs(modeCodes[i] * outStep - clampedExact));
                double predicted = Math.max(-128, Math.min(127, Math.rint(zeroPointFree / outStep)));
                formulaWorst = Math.max(formulaWorst, Math.abs(asymCodes[i] - predicted));
            }
        }
        System.out.printf("1x1 conv of inputs in [-1, 1], output step %.4f: symmetric qint8 input max |error| %.4f; MIN_FIRST "
                + "quint8 input max |error| %.4f; MIN_FIRST codes vs the zero-point-free formula: max %s codes%n",
                outStep, symWorst, asymWorst, formulaWorst);
        System.out.printf("with input_quant_mode=MIN_FIRST on the convolution: max |error| %.4f%n", modeWorst);
        // the op has no input_quant_mode (TF logs that it ignores the attribute): the same wrong codes
        org.junit.jupiter.api.Assertions.assertArrayEquals(asymCodes, modeCodes);
        // symmetric: input rounding (step 1/127) over 16 products plus the output's half step
        assertTrue(symWorst <= IC * (IN_RANGE / 127 / 2) * FILTER_RANGE + outStep, "symmetric error " + symWorst);
        // asymmetric: TF computes the zero-point-free formula (within a rounding step) ...
        assertTrue(formulaWorst <= 1, "MIN_FIRST codes differ from the zero-point-free formula by " + formulaWorst);
        // ... which is far from the float result: many output steps off
        assertTrue(asymWorst > 10 * outStep, "MIN_FIRST error " + asymWorst + " would be usable");
    }

    private static void conv(Int8OpGraphs b, String name, String q, String w, String bias, String minF, String maxF, DType tin) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("Tinput", tin);
        a.put("Tfilter", DType.QINT8);
        a.put("Tbias", DType.FLOAT);
        a.put("out_type", DType.QINT8);
        a.put("strides", new long[] {1, 1, 1, 1});
        a.put("padding", "VALID");
        a.put("dilations", new long[] {1, 1, 1, 1});
        a.put("padding_list", new long[0]);
        b.add(name, Ops.QCONV_BIAS_REQUANTIZE, new ArrayList<>(List.of(q, w, bias, q + ":1", q + ":2", minF, maxF,
                b.scalar(name + "/out/min", -OUT_RANGE), b.scalar(name + "/out/max", OUT_RANGE))), a);
    }
}
