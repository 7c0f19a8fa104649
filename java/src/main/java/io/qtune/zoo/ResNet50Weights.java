package io.qtune.zoo;

import java.util.List;

/**
 * The values of every variable of a ResNet50 graph, looked up by layer of a {@link ResNet50Topology}.
 * Synthetic weights and trained weights both reach the graph writer through this interface.
 */
public interface ResNet50Weights {
    /** Inference batch-norm parameters of one layer, each of length outChannels. */
    record BatchNorm(float[] gamma, float[] beta, float[] movingMean, float[] movingVariance) {}

    /** Kernel of a convolution, HWIO row-major, {@code conv.kernelSize()} values. */
    float[] convKernel(ResNet50Topology.Conv conv);

    /** Batch norm that follows a convolution. */
    BatchNorm batchNorm(ResNet50Topology.Conv conv);

    /** Dense kernel, [finalChannels, classes] row-major. */
    float[] denseKernel();

    /** Dense bias, [classes]. */
    float[] denseBias();

    /** Weights held in lists indexed by {@link ResNet50Topology.Conv#index()}. */
    static ResNet50Weights of(List<float[]> kernels, List<BatchNorm> batchNorms, float[] denseKernel, float[] denseBias) {
        List<float[]> k = List.copyOf(kernels);
        List<BatchNorm> b = List.copyOf(batchNorms);
        return new ResNet50Weights() {
            @Override
            public float[] convKernel(ResNet50Topology.Conv conv) {
                return k.get(conv.index());
            }

            @Override
            public BatchNorm batchNorm(ResNet50Topology.Conv conv) {
                return b.get(conv.index());
            }

            @Override
            public float[] denseKernel() {
                return denseKernel;
            }

            @Override
            public float[] denseBias() {
                return denseBias;
            }
        };
    }
}
