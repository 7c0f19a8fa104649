package io.qtune.data;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2RGB;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import io.qtune.QtuneException;
import java.util.Objects;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * MLPerf's {@code pre_process_vgg} for ResNet50: decode as cv2.imread does (3-channel BGR, EXIF orientation applied),
 * BGR to RGB, aspect-preserving INTER_AREA resize so the short side is {@code int(100*crop/scalePercent)}, centre
 * crop, float32, subtract the per-channel RGB means. Immutable and safe to use from several threads.
 */
public final class VggPreprocessing {
    public static final int MLPERF_CROP = 224;
    public static final double MLPERF_SCALE_PERCENT = 87.5;
    private static final float[] MEANS = {123.68f, 116.78f, 103.94f};

    private final int crop;
    private final double scalePercent;
    private final int shortSide;

    public VggPreprocessing(int crop, double scalePercent) {
        if (crop < 1) {
            throw new QtuneException("preprocessing crop must be at least 1 pixel, got " + crop);
        }
        if (!(scalePercent > 0 && scalePercent <= 100)) {
            throw new QtuneException("preprocessing scale must be in (0, 100] percent, got " + scalePercent);
        }
        this.crop = crop;
        this.scalePercent = scalePercent;
        // Python's int(100. * out_height / scale): double arithmetic, truncated
        this.shortSide = (int) (100.0 * crop / scalePercent);
    }

    /** The MLPerf ResNet50 settings: 224 crop out of a 256 short side. */
    public static VggPreprocessing mlperf() {
        return new VggPreprocessing(MLPERF_CROP, MLPERF_SCALE_PERCENT);
    }

    public int crop() {
        return crop;
    }

    public double scalePercent() {
        return scalePercent;
    }

    /** Length of the short side after the resize (256 for MLPerf). */
    public int shortSide() {
        return shortSide;
    }

    /** Floats per preprocessed image: crop * crop * 3. */
    public int floatsPerImage() {
        return crop * crop * 3;
    }

    /** The RGB means subtracted from every pixel. */
    public static float[] means() {
        return MEANS.clone();
    }

    /**
     * Loads OpenCV's natives once; a class path without them (the opencv or openblas linux-x86_64 jars) gets one
     * clear error instead of an UnsatisfiedLinkError from deep inside JavaCPP.
     */
    static void requireOpenCv() {
        if (Natives.PROBLEM != null) {
            throw new QtuneException(Natives.PROBLEM);
        }
    }

    private static final class Natives {
        static final String PROBLEM = load();

        private static String load() {
            try {
                Loader.load(opencv_imgcodecs.class);
                Loader.load(opencv_imgproc.class);
                return null;
            } catch (UnsatisfiedLinkError | ExceptionInInitializerError | NoClassDefFoundError e) {
                Throwable root = e.getCause() != null ? e.getCause() : e;
                return "cannot load OpenCV's native libraries (" + firstLine(String.valueOf(root.getMessage()))
                        + "); the class path needs org.bytedeco:opencv and org.bytedeco:openblas with their "
                        + Loader.getPlatform() + " natives";
            }
        }
    }

    /** Size {height, width} the decoded image is resized to, with MLPerf's arithmetic. */
    public int[] resizedSize(int height, int width) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("image size must be positive, got " + height + "x" + width);
        }
        // Python: int(new_h * h / w); the integer product is exact, then one double division, then truncation
        if (height > width) {
            return new int[] {(int) ((double) ((long) shortSide * height) / width), shortSide};
        }
        return new int[] {shortSide, (int) ((double) ((long) shortSide * width) / height)};
    }

    /**
     * Decodes an encoded image (JPEG, PNG, ...) and returns its centre crop as crop*crop*3 RGB bytes, row-major HWC,
     * before mean subtraction. {@code source} names the image in error messages.
     */
    public byte[] rgbCrop(byte[] encoded, String source) {
        Objects.requireNonNull(encoded, "encoded");
        if (encoded.length == 0) {
            throw new QtuneException(source + ": empty file, not an image");
        }
        requireOpenCv();
        try (BytePointer bytes = new BytePointer(encoded);
                Mat buffer = new Mat(1, encoded.length, CV_8UC1, bytes);
                Mat bgr = decode(buffer, source);
                Mat resized = new Mat()) {
            int[] size = resizedSize(bgr.rows(), bgr.cols());
            if (size[0] < crop || size[1] < crop) {
                // only reachable through int truncation of a very small image; MLPerf would crash on it too
                throw new QtuneException(source + ": " + bgr.cols() + "x" + bgr.rows() + " image resizes to "
                        + size[1] + "x" + size[0] + ", smaller than the " + crop + " crop");
            }
            try (Size dsize = new Size(size[1], size[0])) {
                resize(bgr, resized, dsize, 0, 0, INTER_AREA);
            }
            // int((h - crop) / 2) of a non-negative value is integer division
            int top = (size[0] - crop) / 2;
            int left = (size[1] - crop) / 2;
            byte[] out = new byte[crop * crop * 3];
            // MLPerf swaps to RGB before resizing; INTER_AREA treats channels independently, so swapping only the
            // crop gives the same bytes and cvtColor's output is a continuous Mat we can copy in one call
            try (Rect window = new Rect(left, top, crop, crop);
                    Mat cropped = new Mat(resized, window);
                    Mat rgb = new Mat()) {
                cvtColor(cropped, rgb, COLOR_BGR2RGB);
                if (!rgb.isContinuous() || rgb.total() * rgb.channels() != out.length) {
                    throw new IllegalStateException("unexpected OpenCV crop layout for " + source);
                }
                rgb.data().get(out);
            }
            return out;
        }
    }

    /** True when OpenCV decodes the bytes at 1/8 scale (the open-time check of skip-bad; not the MLPerf path). */
    static boolean decodesAtEighthScale(byte[] encoded) {
        if (encoded.length == 0) return false;
        requireOpenCv();
        try (BytePointer bytes = new BytePointer(encoded);
                Mat buffer = new Mat(1, encoded.length, CV_8UC1, bytes);
                Mat small = imdecode(buffer, opencv_imgcodecs.IMREAD_REDUCED_COLOR_8)) {
            return small != null && !small.empty();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Decodes like cv2.imread(path) with its default IMREAD_COLOR: grey, CMYK and 16-bit inputs become 8-bit BGR. */
    private static Mat decode(Mat buffer, String source) {
        Mat bgr;
        try {
            bgr = imdecode(buffer, IMREAD_COLOR);
        } catch (RuntimeException e) {
            throw new QtuneException(source + ": cannot be decoded as an image: " + firstLine(e.getMessage()), e);
        }
        if (bgr == null || bgr.empty() || bgr.type() != CV_8UC3) {
            if (bgr != null) {
                bgr.close();
            }
            throw new QtuneException(source + ": cannot be decoded as an image (corrupt or not an image file)");
        }
        return bgr;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unknown OpenCV error";
        }
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl);
    }

    /** Writes (rgb - mean) into dst at offset: the last step of pre_process_vgg, in float32 as numpy does it. */
    public static void subtractMeans(byte[] rgb, float[] dst, int offset) {
        if (rgb.length % 3 != 0) {
            throw new IllegalArgumentException("RGB data length " + rgb.length + " is not a multiple of 3");
        }
        Objects.checkFromIndexSize(offset, rgb.length, dst.length);
        float r = MEANS[0];
        float g = MEANS[1];
        float b = MEANS[2];
        for (int k = 0; k < rgb.length; k += 3) {
            dst[offset + k] = (rgb[k] & 0xFF) - r;
            dst[offset + k + 1] = (rgb[k + 1] & 0xFF) - g;
            dst[offset + k + 2] = (rgb[k + 2] & 0xFF) - b;
        }
    }

    @Override
    public String toString() {
        return "pre_process_vgg(crop " + crop + ", short side " + shortSide + " = int(100*" + crop + "/" + scalePercent
                + "), INTER_AREA)";
    }
}
