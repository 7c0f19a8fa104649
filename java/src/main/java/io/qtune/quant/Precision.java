package io.qtune.quant;

/** What an op computes in. BF16 only where the CPU has avx512_bf16; FP32 is the fallback that always works. */
public enum Precision {
    INT8,
    BF16,
    FP32
}
