package io.qtune.calib;

/**
 * The range frozen for one tensor (or one channel, named {@code tensor[c]}), the algorithm that produced it (the
 * requested one, or {@code minmax} after a fallback) and a note on how.
 */
public record CalibratedRange(String tensor, TensorRange range, String algorithm, String note, boolean fellBack) {}
