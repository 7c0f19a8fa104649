package io.qtune.data;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.opencv_core.Mat;

/** Test images: the committed fixtures, and JPEGs generated on the fly with OpenCV's encoder. */
final class TestImages {
    private TestImages() {}

    /** A committed test resource under io/qtune/data/ as a file path. */
    static Path resource(String relative) {
        URL url = TestImages.class.getResource(relative);
        if (url == null) {
            throw new IllegalStateException("missing test resource io/qtune/data/" + relative
                    + "; regenerate with scripts/make-reference-crops");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A deterministic JPEG: smooth gradients plus seeded noise, so it compresses like a photograph.
     * {@code noise} is the noise amplitude in grey levels.
     */
    static byte[] jpeg(int width, int height, boolean grey, int noise, long seed) {
        Random rnd = new Random(seed);
        int channels = grey ? 1 : 3;
        byte[] pixels = new byte[width * height * channels];
        double fx = 0.02 + rnd.nextDouble() * 0.05;
        double fy = 0.02 + rnd.nextDouble() * 0.05;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                for (int c = 0; c < channels; c++) {
                    double v = 128 + 90 * Math.sin(fx * x * (c + 1) + seed) * Math.cos(fy * y + c)
                            + (noise == 0 ? 0 : rnd.nextInt(2 * noise + 1) - noise);
                    pixels[(y * width + x) * channels + c] = (byte) Math.max(0, Math.min(255, (int) v));
                }
            }
        }
        try (BytePointer data = new BytePointer(pixels);
                Mat mat = new Mat(height, width, grey ? CV_8UC1 : CV_8UC3, data);
                BytePointer out = new BytePointer();
                IntPointer params = new IntPointer(IMWRITE_JPEG_QUALITY, 90)) {
            if (!imencode(".jpg", mat, out, params)) {
                throw new IllegalStateException("OpenCV could not encode a test JPEG");
            }
            byte[] jpeg = new byte[(int) out.limit()];
            out.get(jpeg);
            return jpeg;
        }
    }

    static void write(Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
