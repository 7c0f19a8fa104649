package io.qtune.quant;

import io.qtune.InvalidSetting;

/**
 * How activations map to 8-bit codes. Symmetric only: TF 2.18's quantized convolutions read every input range as
 * R = max(|min|, |max|) with no zero point, so an asymmetric (MIN_FIRST, zero-point) input is computed wrongly
 * (measured: docs/int8-semantics.md, AsymmetricInputTest).
 */
public enum ActivationScheme {
    SYM;

    static final String NO_ASYM = "asym is not offered: TF 2.18's quantized convolutions have no zero point (a MIN_FIRST "
            + "quint8 input of a signed tensor is read as if symmetric, measured 66 output steps off on a 1x1 "
            + "convolution; the op has no input_quant_mode); see docs/int8-semantics.md. Use sym (signed tensors as qint8)";

    /** "sym"; "asym" is an error naming why; {@code setting} names the option in messages. */
    public static ActivationScheme parse(String s, String setting) {
        return switch (s == null ? "sym" : s.strip()) {
            case "sym" -> SYM;
            case "asym" -> throw new InvalidSetting(setting, NO_ASYM);
            default -> throw new InvalidSetting(setting, "must be sym, got '" + s + "'");
        };
    }
}
