package io.qtune.graph;

/** bfloat16: the upper 16 bits of an IEEE float32 (8-bit exponent, 7-bit mantissa). */
public final class Bfloat16 {
    /** Unit roundoff of bfloat16 (8 significant bits): a rounded value is within this relative distance. */
    public static final double UNIT_ROUNDOFF = 0x1p-8;

    private Bfloat16() {}

    /** The 16 bits of the bfloat16 nearest to x (ties to even); NaN stays a quiet NaN. */
    public static short bits(float x) {
        int b = Float.floatToRawIntBits(x);
        if (Float.isNaN(x)) return (short) ((b >>> 16) | 0x40);
        int lsb = (b >>> 16) & 1;
        return (short) ((b + 0x7fff + lsb) >>> 16);
    }

    /** The float a bfloat16 bit pattern stands for (exact). */
    public static float value(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** x rounded to bfloat16 and widened back to float. */
    public static float round(float x) {
        return value(bits(x));
    }
}
