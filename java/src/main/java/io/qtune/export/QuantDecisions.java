package io.qtune.export;

/**
 * What the exporter needs to know about a quantization plan. Names are those of the fused FP32 IR
 * ({@code Passes.fuseForInference}): a fused node's name is also the name of the tensor it produces.
 * The team's QuantPlan implements this; tests implement it from min/max statistics.
 */
public interface QuantDecisions {
    /** Whether the fused node (a convolution or a max pool) runs in INT8; false keeps it FP32. */
    boolean int8(String fusedNodeName);

    /** Whether a convolution that is not INT8 should run in bf16 where the runtime can (stock TF runs it in FP32). */
    default boolean bf16(String fusedNodeName) {
        return false;
    }

    /** Whether a convolution's filter gets one range per output channel (else one for the whole tensor). */
    boolean perChannel(String fusedNodeName);

    /** Whether a convolution's filter codes use 7 bits (saturation-free without VNNI, see Int8Weights.codeLimit). */
    default boolean sevenBitWeights(String fusedNodeName) {
        return false;
    }

    /**
     * The calibrated range {min, max} of an FP32 activation tensor ("node" or "node:k"), or null if there is none.
     * Only max(|min|, |max|) matters to TF's kernels, and the sign of min picks qint8 over quint8 for QuantizeV2.
     */
    float[] range(String tensorName);
}
