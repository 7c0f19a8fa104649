package io.qtune.data;

import java.util.SplittableRandom;

/**
 * Smooth random images in the input distribution of the MLPerf ResNet50: RGB pixel values in 0..255 minus the
 * ImageNet channel means, NHWC float32. Each image is a base colour plus coarse and fine random colour fields
 * (bilinearly interpolated grids) plus a little pixel noise, so neighbouring pixels are correlated like in photos.
 */
public final class SyntheticImages {
    /** ImageNet RGB means the MLPerf preprocessing subtracts. */
    public static final float[] IMAGENET_MEAN_RGB = {123.68f, 116.78f, 103.94f};

    private SyntheticImages() {}

    /** {@code n} images of {@code size x size x 3}, deterministic for the seed. */
    public static float[] batch(int n, int size, long seed) {
        float[] out = new float[Math.multiplyExact(Math.multiplyExact(n, size * size), 3)];
        SplittableRandom root = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            image(root.split(), size, out, i * size * size * 3);
        }
        return out;
    }

    /** One image, deterministic for the seed alone, written at dst[offset]. */
    public static void image(long seed, int size, float[] dst, int offset) {
        image(new SplittableRandom(seed), size, dst, offset);
    }

    private static void image(SplittableRandom rng, int size, float[] dst, int offset) {
        Gaussian r = new Gaussian(rng);
        float[] coarse = grid(r, 4, 55);
        float[] fine = grid(r, 16, 20);
        float[] base = new float[3];
        for (int c = 0; c < 3; c++) base[c] = (float) r.uniform(40, 215);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                for (int c = 0; c < 3; c++) {
                    double v = base[c] + sample(coarse, 4, c, y, x, size) + sample(fine, 16, c, y, x, size)
                            + 4 * r.next();
                    v = Math.max(0, Math.min(255, v));
                    dst[offset + (y * size + x) * 3 + c] = (float) v - IMAGENET_MEAN_RGB[c];
                }
            }
        }
    }

    /** A (g+1)x(g+1)x3 grid of N(0, std^2) values. */
    private static float[] grid(Gaussian r, int g, double std) {
        float[] v = new float[(g + 1) * (g + 1) * 3];
        for (int i = 0; i < v.length; i++) v[i] = (float) (std * r.next());
        return v;
    }

    /** Bilinear interpolation of a grid spanning the whole image. */
    private static double sample(float[] grid, int g, int c, int y, int x, int size) {
        double fy = (double) y * g / Math.max(1, size - 1);
        double fx = (double) x * g / Math.max(1, size - 1);
        int y0 = Math.min((int) fy, g - 1);
        int x0 = Math.min((int) fx, g - 1);
        double wy = fy - y0;
        double wx = fx - x0;
        int w = g + 1;
        double a = grid[(y0 * w + x0) * 3 + c];
        double b = grid[(y0 * w + x0 + 1) * 3 + c];
        double d = grid[((y0 + 1) * w + x0) * 3 + c];
        double e = grid[((y0 + 1) * w + x0 + 1) * 3 + c];
        return (1 - wy) * ((1 - wx) * a + wx * b) + wy * ((1 - wx) * d + wx * e);
    }
}
