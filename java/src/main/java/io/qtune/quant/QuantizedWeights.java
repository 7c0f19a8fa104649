package io.qtune.quant;

/**
 * Symmetric int8 weights: {@code values[i] * scales[c]} approximates the float weight, c = i % channels for
 * per-channel scales (the last axis, O of an HWIO filter) or 0 for one scale per tensor. Values lie in [-127, 127].
 */
public record QuantizedWeights(byte[] values, float[] scales, WeightGranularity granularity, int channels) {
    public float scale(int channel) {
        return scales[granularity == WeightGranularity.PER_TENSOR ? 0 : channel];
    }

    public float dequantize(int index) {
        return values[index] * scale(index % channels);
    }

    /** The range TF's quantized conv takes for this channel's filter: [-127 s, 127 s]. */
    public float rangeMax(int channel) {
        return 127f * scale(channel);
    }
}
