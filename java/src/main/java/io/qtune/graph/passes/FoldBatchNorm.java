package io.qtune.graph.passes;

import io.qtune.QtuneException;
import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.Tensor;
import io.qtune.graph.TensorRef;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Folds an inference-mode FusedBatchNorm that follows a Conv2D into the convolution's filter and a BiasAdd:
 * W'[..,o] = W[..,o] * s[o], b'[o] = beta[o] - mean[o] * s[o] with s = gamma / sqrt(var + eps).
 * The BiasAdd takes the batch norm's name, so readers are untouched.
 */
public final class FoldBatchNorm implements GraphPass {
    private static final Pattern CONV_BN = Pattern.op(Ops.FUSED_BATCH_NORM, Ops.FUSED_BATCH_NORM_V2, Ops.FUSED_BATCH_NORM_V3)
            .from(Pattern.op(Ops.CONV2D).from(Pattern.any(), Pattern.constant().as("filter")).as("conv"),
                    Pattern.constant().as("gamma"), Pattern.constant().as("beta"),
                    Pattern.constant().as("mean"), Pattern.constant().as("variance"))
            .as("bn");

    @Override
    public String name() {
        return "fold-batch-norm";
    }

    @Override
    public Graph apply(Graph g) {
        Graph.Editor e = g.edit();
        for (Node n : g.nodes()) {
            if (!Ops.isBatchNorm(n.op())) continue;
            if (n.attrBool("is_training", true)) {
                throw new QtuneException("node '" + n.name() + "' is a training-mode batch norm; freeze the graph for inference first");
            }
            var m = CONV_BN.match(g, n);
            // a conv read elsewhere, or a BN whose extra outputs are used, cannot be folded: left for the runtime
            if (m.isEmpty() || !m.get().readOnlyInside(g, "conv") || usesExtraOutputs(g, n)) continue;
            Node conv = m.get().get("conv");
            Tensor filter = m.get().get("filter").attrTensor("value");
            if (!filter.isFloat()) {
                throw new QtuneException("node '" + conv.name() + "': its filter is a " + filter.dtype() + " tensor, not float");
            }
            long[] hwio = filter.shape();
            if (hwio.length != 4) {
                throw new QtuneException("node '" + conv.name() + "': filter must be HWIO rank 4, got " + Arrays.toString(hwio));
            }
            int oc = Math.toIntExact(hwio[3]);
            float[] gamma = parameter(n, "scale", m.get().get("gamma"), oc);
            float[] beta = parameter(n, "offset", m.get().get("beta"), oc);
            float[] mean = parameter(n, "mean", m.get().get("mean"), oc);
            float[] var = parameter(n, "variance", m.get().get("variance"), oc);
            double eps = n.attrFloat("epsilon", 1e-4f);
            float[] w = filter.floats().clone();
            float[] bias = new float[oc];
            double[] scale = new double[oc];
            for (int o = 0; o < oc; o++) {
                scale[o] = gamma[o] / Math.sqrt(var[o] + eps);
                bias[o] = (float) (beta[o] - mean[o] * scale[o]);
            }
            for (int i = 0; i < w.length; i++) w[i] = (float) (w[i] * scale[i % oc]);

            String filterName = e.uniqueName(conv.name() + "/folded_filter");
            String biasName = e.uniqueName(n.name() + "/folded_bias");
            e.put(constNode(filterName, Tensor.ofFloats(filter.shape(), w)));
            e.put(constNode(biasName, Tensor.ofFloats(new long[] {oc}, bias)));
            e.put(conv.withInputs(List.of(conv.input(0), new TensorRef(filterName, 0))));
            e.put(new Node(n.name(), Ops.BIAS_ADD, List.of(new TensorRef(conv.name(), 0), new TensorRef(biasName, 0)),
                    Map.of("T", io.qtune.graph.DType.FLOAT, "data_format", "NHWC")));
        }
        return e.build();
    }

    /**
     * A parameter's values, one per output channel. The pass runs before shape inference can see a graph whose input
     * size is unknown, and the pattern matches any constant, so what it indexes is checked here.
     */
    private static float[] parameter(Node bn, String parameter, Node constant, int channels) {
        Tensor t = constant.attrTensor("value");
        if (!t.isFloat()) {
            throw new QtuneException("node '" + bn.name() + "': " + parameter + " ('" + constant.name() + "') is a " + t.dtype()
                    + " tensor, not float");
        }
        if (t.floats().length != channels) {
            throw new QtuneException("node '" + bn.name() + "': " + parameter + " has " + t.floats().length + " values, but the "
                    + "convolution before it has " + channels + " output channels");
        }
        return t.floats();
    }

    private static boolean usesExtraOutputs(Graph g, Node bn) {
        return g.consumers(bn.name()).stream().flatMap(c -> c.inputs().stream())
                .anyMatch(r -> r.node().equals(bn.name()) && r.output() != 0);
    }

    static Node constNode(String name, Tensor t) {
        return new Node(name, Ops.CONST, List.of(), Map.of("dtype", t.dtype(), "value", t));
    }
}
