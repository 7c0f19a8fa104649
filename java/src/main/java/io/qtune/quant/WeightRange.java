package io.qtune.quant;

import io.qtune.InvalidSetting;

/**
 * How many of qint8's codes a convolution's filter uses. {@link #EIGHT_BIT} (-127..127) is exact only where the INT8
 * dot product is VNNI's {@code vpdpbusd} (or AMX); without VNNI, {@code vpmaddubsw} adds two u8 x s8 products in
 * saturating 16-bit arithmetic, and 8-bit weights overflow it (2 * 255 * 127 = 64,770). {@link #SEVEN_BIT} (-63..63,
 * the idea of ONNX Runtime's {@code reduce_range} and NNCF's {@code overflow_fix}) never does: 2 * 255 * 63 = 32,130,
 * so a 7-bit graph computes the same integers on every x86-64 CPU, in qtune, TF and ONNX Runtime alike.
 */
public enum WeightRange {
    SEVEN_BIT("7bit"),
    EIGHT_BIT("8bit");

    /** What {@code quantize} and {@code tune} use unless told otherwise (README: "The weight range" has the evidence). */
    public static final WeightRange DEFAULT = SEVEN_BIT;

    private final String spec;

    WeightRange(String spec) {
        this.spec = spec;
    }

    /** The name on the command line, in plans and reports: {@code 7bit} or {@code 8bit}. */
    public String spec() {
        return spec;
    }

    public static WeightRange parse(String s) {
        for (WeightRange r : values()) if (r.spec.equals(s)) return r;
        throw new InvalidSetting("weightRange", "must be 7bit or 8bit, got '" + s + "'");
    }
}
