package io.qtune.quant;

/** Symmetric int8 weight scales: one per output channel (the last axis of an HWIO filter) or one for the tensor. */
public enum WeightGranularity {
    PER_CHANNEL,
    PER_TENSOR
}
