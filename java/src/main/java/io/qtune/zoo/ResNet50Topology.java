package io.qtune.zoo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The layers of ResNet50-v1.5 (TF official, scope {@code resnet_model}) in the order TF-official creates them,
 * with their MLPerf node names and shapes. The graph writer and the proxy trainer both walk this list, so the
 * trained proxy and the synthetic model have one structure.
 */
public final class ResNet50Topology {
    public static final String SCOPE = "resnet_model/";
    public static final int[] BLOCKS_PER_STAGE = {3, 4, 6, 3};
    public static final int[] STAGE_FILTERS = {64, 128, 256, 512};
    public static final int STEM_FILTERS = 64;
    /** Output channels of a bottleneck block are this many times its filters. */
    public static final int EXPANSION = 4;
    /** TF official's batch-norm epsilon as it appears in the MLPerf graph. */
    public static final float BN_EPSILON = 1.001e-5f;

    /** What a convolution does inside the network. */
    public enum Role {
        /** 7x7 stride-2 stem convolution. */
        STEM,
        /** 1x1 projection on the shortcut of a stage's first block (stride 2 in stages 2-4). */
        PROJECTION,
        /** First 1x1 of a bottleneck, reduces channels. */
        REDUCE,
        /** The 3x3 of a bottleneck; carries the stage's stride (v1.5). */
        SPATIAL,
        /** Last 1x1 of a bottleneck, expands channels; its batch norm feeds the residual add. */
        EXPAND
    }

    /**
     * One convolution followed by its batch norm.
     *
     * @param index position in creation order (0 = stem); also the TF name counter
     * @param inputSize spatial size of the convolution's input (square)
     * @param outputSize spatial size of its output
     */
    public record Conv(int index, Role role, int stage, int block, int kernel, int inChannels, int outChannels,
                       int stride, int inputSize, int outputSize) {
        /** "resnet_model/conv2d" for index 0, "resnet_model/conv2d_N" after. */
        public String name() {
            return SCOPE + counted("conv2d", index);
        }

        /** "resnet_model/batch_normalization[_N]". */
        public String bnName() {
            return SCOPE + counted("batch_normalization", index);
        }

        /** Number of kernel weights, kernel*kernel*in*out (HWIO). */
        public int kernelSize() {
            return kernel * kernel * inChannels * outChannels;
        }

        public long macsPerImage() {
            return (long) outputSize * outputSize * kernel * kernel * inChannels * outChannels;
        }
    }

    /** A bottleneck block; {@code projection} is null for identity-shortcut blocks. */
    public record Block(int stage, int block, Conv projection, Conv reduce, Conv spatial, Conv expand) {}

    private final ResNet50Spec spec;
    private final List<Conv> convs;
    private final List<Block> blocks;
    private final int finalChannels;
    private final int finalSize;
    private final int poolSize;

    public ResNet50Topology(ResNet50Spec spec) {
        this.spec = spec;
        List<Conv> cs = new ArrayList<>();
        List<Block> bs = new ArrayList<>();
        int size = spec.imageSize();
        int stemOut = channels(STEM_FILTERS, spec.widthMultiplier());
        int stemSize = halve(size);
        cs.add(new Conv(0, Role.STEM, 0, 0, 7, 3, stemOut, 2, size, stemSize));
        size = halve(stemSize); // 3x3 stride-2 SAME max pool
        this.poolSize = size;
        int in = stemOut;
        for (int stage = 0; stage < BLOCKS_PER_STAGE.length; stage++) {
            int filters = channels(STAGE_FILTERS[stage], spec.widthMultiplier());
            int out = EXPANSION * filters;
            for (int b = 0; b < BLOCKS_PER_STAGE[stage]; b++) {
                int stride = (b == 0 && stage > 0) ? 2 : 1;
                int outSize = stride == 2 ? halve(size) : size;
                Conv proj = null;
                if (b == 0) {
                    proj = new Conv(cs.size(), Role.PROJECTION, stage + 1, b + 1, 1, in, out, stride, size, outSize);
                    cs.add(proj);
                }
                Conv reduce = new Conv(cs.size(), Role.REDUCE, stage + 1, b + 1, 1, in, filters, 1, size, size);
                cs.add(reduce);
                Conv spatial = new Conv(cs.size(), Role.SPATIAL, stage + 1, b + 1, 3, filters, filters, stride, size, outSize);
                cs.add(spatial);
                Conv expand = new Conv(cs.size(), Role.EXPAND, stage + 1, b + 1, 1, filters, out, 1, outSize, outSize);
                cs.add(expand);
                bs.add(new Block(stage + 1, b + 1, proj, reduce, spatial, expand));
                in = out;
                size = outSize;
            }
        }
        this.convs = Collections.unmodifiableList(cs);
        this.blocks = Collections.unmodifiableList(bs);
        this.finalChannels = in;
        this.finalSize = size;
    }

    /** Filters of a stage scaled by the width multiplier: rounded, at least one. */
    static int channels(int filters, double width) {
        return (int) Math.max(1, Math.round(filters * width));
    }

    /** Output size of a stride-2 layer with TF-official's fixed padding or SAME padding: ceil(n/2). */
    static int halve(int n) {
        return (n + 1) / 2;
    }

    public ResNet50Spec spec() {
        return spec;
    }

    /** All 53 convolutions in creation order. */
    public List<Conv> convs() {
        return convs;
    }

    /** The 16 bottleneck blocks in order. */
    public List<Block> blocks() {
        return blocks;
    }

    /** Channels entering the dense layer. */
    public int finalChannels() {
        return finalChannels;
    }

    /** Spatial size of the last stage's output. */
    public int finalSize() {
        return finalSize;
    }

    /** Spatial size after the stem max pool. */
    public int poolSize() {
        return poolSize;
    }

    public int classes() {
        return spec.classes();
    }

    /**
     * Trainable parameters, the figure usually quoted for ResNet50 (25.56M at width 1 with 1001 classes): conv
     * kernels, batch-norm gamma and beta, dense kernel and bias. Moving statistics are not counted.
     */
    public long parameterCount() {
        long n = 0;
        for (Conv c : convs) n += (long) c.kernelSize() + 2L * c.outChannels();
        return n + (long) finalChannels * classes() + classes();
    }

    /** Multiply-accumulates per image in the convolutions and the dense layer. */
    public long macsPerImage() {
        long n = 0;
        for (Conv c : convs) n += c.macsPerImage();
        return n + (long) finalChannels * classes();
    }

    /** "base" for 0, "base_N" after: TF's name uniquifier. */
    static String counted(String base, int n) {
        return n == 0 ? base : base + "_" + n;
    }
}
