package io.qtune.zoo;

import com.google.protobuf.ByteString;
import io.qtune.QtuneException;
import io.qtune.zoo.ResNet50Topology.Conv;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.proto.VersionDef;

/**
 * Writes a frozen ResNet50-v1.5 GraphDef in the node layout and naming of MLPerf's {@code resnet50_v1.pb}:
 * explicit Pad before strided convolutions, unfolded FusedBatchNorm, every variable a Const read through an
 * Identity ({@code .../read}) as freeze_graph leaves it.
 *
 * <p>The calibration variant is the same graph with each batch norm's moving statistics replaced by the batch
 * moments of its input, and each block-final batch norm's beta computed from the shortcut it is added to; the
 * builder runs it once on sample images and reads those values back.
 */
final class ResNet50GraphWriter {
    static final String INPUT = "input_tensor";
    static final String SQUEEZE = ResNet50Topology.SCOPE + "Squeeze";
    /** TF 1.x producer version; any recent value imports the same. */
    private static final int PRODUCER = 27;

    private final ResNet50Topology topo;
    private final ResNet50Weights weights;
    /** Non-null in calibration mode: per EXPAND conv index, the factor k in beta = -k * mean(shortcut). */
    private final Map<Integer, float[]> residualBetaGain;
    private final GraphDef.Builder graph = GraphDef.newBuilder();
    private int pads;
    private int relus;
    private int adds;

    private ResNet50GraphWriter(ResNet50Topology topo, ResNet50Weights weights, Map<Integer, float[]> residualBetaGain) {
        this.topo = topo;
        this.weights = weights;
        this.residualBetaGain = residualBetaGain;
    }

    /** The frozen inference graph. */
    static GraphDef inference(ResNet50Topology topo, ResNet50Weights weights) {
        return new ResNet50GraphWriter(topo, weights, null).write();
    }

    /** The calibration graph (see class comment); gains are indexed by EXPAND conv index. */
    static GraphDef calibration(ResNet50Topology topo, ResNet50Weights weights, Map<Integer, float[]> residualBetaGain) {
        return new ResNet50GraphWriter(topo, weights, residualBetaGain).write();
    }

    static String calibMean(Conv c) {
        return c.bnName() + "/calib/mean";
    }

    static String calibVariance(Conv c) {
        return c.bnName() + "/calib/variance";
    }

    static String calibBeta(Conv c) {
        return c.bnName() + "/calib/beta";
    }

    private GraphDef write() {
        String s = ResNet50Topology.SCOPE;
        long size = topo.spec().imageSize();
        graph.setVersions(VersionDef.newBuilder().setProducer(PRODUCER));
        add(node(INPUT, "Placeholder").putAttr("dtype", type(DataType.DT_FLOAT))
                .putAttr("shape", AttrValue.newBuilder().setShape(shape(-1, size, size, 3)).build()));

        List<Conv> convs = topo.convs();
        String x = convBn(INPUT, convs.get(0), null);
        x = relu(x);
        x = add(node(s + "max_pooling2d/MaxPool", "MaxPool").addInput(x).putAttr("T", type(DataType.DT_FLOAT))
                .putAttr("ksize", ints(1, 3, 3, 1)).putAttr("strides", ints(1, 2, 2, 1))
                .putAttr("padding", str("SAME")).putAttr("data_format", str("NHWC")));

        for (ResNet50Topology.Block b : topo.blocks()) {
            String shortcut = b.projection() == null ? x : convBn(x, b.projection(), null);
            String y = relu(convBn(x, b.reduce(), null));
            y = relu(convBn(y, b.spatial(), null));
            y = convBn(y, b.expand(), shortcut);
            String sum = add(node(s + ResNet50Topology.counted("add", adds++), "Add").addInput(y).addInput(shortcut)
                    .putAttr("T", type(DataType.DT_FLOAT)));
            x = relu(sum);
        }

        String axes = constInt(s + "Mean/reduction_indices", new long[] {2}, 1, 2);
        x = add(node(s + "Mean", "Mean").addInput(x).addInput(axes).putAttr("T", type(DataType.DT_FLOAT))
                .putAttr("Tidx", type(DataType.DT_INT32)).putAttr("keep_dims", bool(true)));
        x = add(node(SQUEEZE, "Squeeze").addInput(x).putAttr("T", type(DataType.DT_FLOAT))
                .putAttr("squeeze_dims", ints(1, 2)));
        int cin = topo.finalChannels();
        int classes = topo.classes();
        String kernel = variable(s + "dense/kernel", new long[] {cin, classes}, weights.denseKernel());
        x = add(node(s + "dense/MatMul", "MatMul").addInput(x).addInput(kernel).putAttr("T", type(DataType.DT_FLOAT))
                .putAttr("transpose_a", bool(false)).putAttr("transpose_b", bool(false)));
        String bias = variable(s + "dense/bias", new long[] {classes}, weights.denseBias());
        x = add(node(s + "dense/BiasAdd", "BiasAdd").addInput(x).addInput(bias).putAttr("T", type(DataType.DT_FLOAT))
                .putAttr("data_format", str("NHWC")));
        String logits = add(node(s + "final_dense", "Identity").addInput(x).putAttr("T", type(DataType.DT_FLOAT)));
        add(node("softmax_tensor", "Softmax").addInput(logits).putAttr("T", type(DataType.DT_FLOAT)));
        String dim = constIntScalar("ArgMax/dimension", 1);
        add(node("ArgMax", "ArgMax").addInput(logits).addInput(dim).putAttr("T", type(DataType.DT_FLOAT))
                .putAttr("Tidx", type(DataType.DT_INT32)).putAttr("output_type", type(DataType.DT_INT64)));
        return graph.build();
    }

    /** Conv2D (with TF-official fixed padding when strided) then FusedBatchNorm; returns the BN output. */
    private String convBn(String input, Conv c, String residual) {
        String in = input;
        String padding = "SAME";
        if (c.stride() > 1) {
            int before = (c.kernel() - 1) / 2;
            int after = c.kernel() - 1 - before;
            String padName = ResNet50Topology.SCOPE + ResNet50Topology.counted("Pad", pads++);
            String paddings = constInt(padName + "/paddings", new long[] {4, 2}, 0, 0, before, after, before, after, 0, 0);
            in = add(node(padName, "Pad").addInput(input).addInput(paddings).putAttr("T", type(DataType.DT_FLOAT))
                    .putAttr("Tpaddings", type(DataType.DT_INT32)));
            padding = "VALID";
        }
        float[] k = weights.convKernel(c);
        check(k, c.kernelSize(), c.name() + "/kernel");
        String kernel = variable(c.name() + "/kernel", new long[] {c.kernel(), c.kernel(), c.inChannels(), c.outChannels()}, k);
        String conv = add(node(c.name() + "/Conv2D", "Conv2D").addInput(in).addInput(kernel)
                .putAttr("T", type(DataType.DT_FLOAT))
                .putAttr("strides", ints(1, c.stride(), c.stride(), 1))
                .putAttr("padding", str(padding))
                .putAttr("data_format", str("NHWC"))
                .putAttr("dilations", ints(1, 1, 1, 1))
                .putAttr("use_cudnn_on_gpu", bool(true)));

        ResNet50Weights.BatchNorm bn = weights.batchNorm(c);
        if (bn == null) throw new QtuneException("weights give no batch norm for " + c.bnName());
        long[] vec = {c.outChannels()};
        String bnName = c.bnName();
        String gamma = variable(bnName + "/gamma", vec, check(bn.gamma(), c.outChannels(), bnName + "/gamma"));
        String beta;
        String mean;
        String variance;
        if (residualBetaGain == null) {
            beta = variable(bnName + "/beta", vec, check(bn.beta(), c.outChannels(), bnName + "/beta"));
            mean = variable(bnName + "/moving_mean", vec, check(bn.movingMean(), c.outChannels(), bnName + "/moving_mean"));
            variance = variable(bnName + "/moving_variance", vec,
                    check(bn.movingVariance(), c.outChannels(), bnName + "/moving_variance"));
        } else {
            String axes = constInt(bnName + "/calib/axes", new long[] {3}, 0, 1, 2);
            mean = add(node(calibMean(c), "Mean").addInput(conv).addInput(axes).putAttr("T", type(DataType.DT_FLOAT))
                    .putAttr("Tidx", type(DataType.DT_INT32)).putAttr("keep_dims", bool(false)));
            String sq = add(node(bnName + "/calib/squared_difference", "SquaredDifference").addInput(conv).addInput(mean)
                    .putAttr("T", type(DataType.DT_FLOAT)));
            variance = add(node(calibVariance(c), "Mean").addInput(sq).addInput(axes).putAttr("T", type(DataType.DT_FLOAT))
                    .putAttr("Tidx", type(DataType.DT_INT32)).putAttr("keep_dims", bool(false)));
            if (residual != null) {
                // beta = -gain * mean(shortcut): keeps the residual sum centred, so its ReLU neither dies nor saturates
                float[] gain = residualBetaGain.get(c.index());
                String negGain = constFloat(bnName + "/calib/neg_gain", vec, negate(check(gain, c.outChannels(), bnName + " gain")));
                String shortcutMean = add(node(bnName + "/calib/shortcut_mean", "Mean").addInput(residual).addInput(axes)
                        .putAttr("T", type(DataType.DT_FLOAT)).putAttr("Tidx", type(DataType.DT_INT32))
                        .putAttr("keep_dims", bool(false)));
                beta = add(node(calibBeta(c), "Mul").addInput(negGain).addInput(shortcutMean)
                        .putAttr("T", type(DataType.DT_FLOAT)));
            } else {
                beta = variable(bnName + "/beta", vec, check(bn.beta(), c.outChannels(), bnName + "/beta"));
            }
        }
        return add(node(bnName + "/FusedBatchNorm", "FusedBatchNorm")
                .addInput(conv).addInput(gamma).addInput(beta).addInput(mean).addInput(variance)
                .putAttr("T", type(DataType.DT_FLOAT))
                .putAttr("epsilon", AttrValue.newBuilder().setF(ResNet50Topology.BN_EPSILON).build())
                .putAttr("data_format", str("NHWC"))
                .putAttr("is_training", bool(false)));
    }

    private String relu(String input) {
        return add(node(ResNet50Topology.SCOPE + ResNet50Topology.counted("Relu", relus++), "Relu").addInput(input)
                .putAttr("T", type(DataType.DT_FLOAT)));
    }

    /** A frozen variable: Const plus the Identity "read" that freeze_graph keeps. */
    private String variable(String name, long[] shape, float[] values) {
        String c = constFloat(name, shape, values);
        // no "_class" colocation attr: a rewrite that drops the Const would leave TF a dangling reference
        return add(node(name + "/read", "Identity").addInput(c).putAttr("T", type(DataType.DT_FLOAT)));
    }

    private String constFloat(String name, long[] shape, float[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        TensorProto t = TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).setTensorShape(shape(shape))
                .setTensorContent(ByteString.copyFrom(buf.array())).build();
        return add(node(name, "Const").putAttr("dtype", type(DataType.DT_FLOAT))
                .putAttr("value", AttrValue.newBuilder().setTensor(t).build()));
    }

    private String constInt(String name, long[] shape, int... values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asIntBuffer().put(values);
        TensorProto t = TensorProto.newBuilder().setDtype(DataType.DT_INT32).setTensorShape(shape(shape))
                .setTensorContent(ByteString.copyFrom(buf.array())).build();
        return add(node(name, "Const").putAttr("dtype", type(DataType.DT_INT32))
                .putAttr("value", AttrValue.newBuilder().setTensor(t).build()));
    }

    private String constIntScalar(String name, int value) {
        TensorProto t = TensorProto.newBuilder().setDtype(DataType.DT_INT32).setTensorShape(TensorShapeProto.getDefaultInstance())
                .addIntVal(value).build();
        return add(node(name, "Const").putAttr("dtype", type(DataType.DT_INT32))
                .putAttr("value", AttrValue.newBuilder().setTensor(t).build()));
    }

    private static float[] check(float[] v, int n, String what) {
        if (v == null) throw new QtuneException("weights give no values for " + what);
        if (v.length != n) throw new QtuneException("weights for " + what + " have " + v.length + " values, expected " + n);
        return v;
    }

    private static float[] negate(float[] v) {
        float[] r = new float[v.length];
        for (int i = 0; i < v.length; i++) r[i] = -v[i];
        return r;
    }

    private static NodeDef.Builder node(String name, String op) {
        return NodeDef.newBuilder().setName(name).setOp(op);
    }

    private String add(NodeDef.Builder n) {
        // attrs in a sorted map so the serialized bytes never depend on insertion order
        Map<String, AttrValue> sorted = new TreeMap<>(n.getAttrMap());
        n.clearAttr().putAllAttr(sorted);
        graph.addNode(n);
        return n.getName();
    }

    private static TensorShapeProto shape(long... dims) {
        TensorShapeProto.Builder b = TensorShapeProto.newBuilder();
        for (long d : dims) b.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
        return b.build();
    }

    private static AttrValue type(DataType t) {
        return AttrValue.newBuilder().setType(t).build();
    }

    private static AttrValue str(String s) {
        return AttrValue.newBuilder().setS(ByteString.copyFromUtf8(s)).build();
    }

    private static AttrValue bool(boolean b) {
        return AttrValue.newBuilder().setB(b).build();
    }

    private static AttrValue ints(long... v) {
        AttrValue.ListValue.Builder l = AttrValue.ListValue.newBuilder();
        for (long x : v) l.addI(x);
        return AttrValue.newBuilder().setList(l).build();
    }
}
