package io.qtune.data;

import io.qtune.QtuneException;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Fashion-MNIST from its IDX files (as Debian's {@code dataset-fashion-mnist} installs them), adapted to the
 * ResNet50 input convention: the 28x28 grayscale image is placed in a {@code size x size} frame, replicated to
 * RGB, kept as 0..255 pixel values and mean-subtracted with the ImageNet channel means, exactly like the MLPerf
 * ImageNet preprocessing. Labels are 0..9 (a 1001-style model adds 1: output 0 is background).
 *
 * <p>{@link Resize#PAD} (the default for sizes >= 28) centres the untouched 28x28 pixels on black, so every input
 * pixel is an exact original value; {@link Resize#BILINEAR} scales with half-pixel centres like OpenCV's
 * INTER_LINEAR. Immutable after loading; {@link #load} is safe from several threads.
 */
public final class FashionMnist implements LabeledImages {
    /** Where Debian's dataset-fashion-mnist package puts the files. */
    public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    public static final int SOURCE_SIZE = 28;
    public static final int LABELS = 10;
    static final int IMAGES_MAGIC = 0x00000803;
    static final int LABELS_MAGIC = 0x00000801;
    private static final float[] MEAN_RGB = {123.68f, 116.78f, 103.94f};

    /** The two splits, named by their file prefixes. */
    public enum Split {
        TRAIN("train"), TEST("t10k");

        final String prefix;

        Split(String prefix) {
            this.prefix = prefix;
        }
    }

    /** How the 28x28 source becomes size x size. */
    public enum Resize {
        /** Centre on a black frame (size >= 28); (size-28)/2 pixels before, the rest after. */
        PAD,
        /** Bilinear with half-pixel centres and edge clamping (any size). */
        BILINEAR
    }

    private final String name;
    private final byte[] pixels;
    private final byte[] labels;
    private final int count;
    private final int size;
    private final Resize resize;

    private FashionMnist(String name, byte[] pixels, byte[] labels, int size, Resize resize) {
        this.name = name;
        this.pixels = pixels;
        this.labels = labels;
        this.count = labels.length;
        this.size = size;
        this.resize = resize;
    }

    /** A split from Debian's folder, padded to {@code size} (>= 28). */
    public static FashionMnist open(Split split, int size) {
        return open(DEBIAN_DIR, split, size, Resize.PAD);
    }

    /**
     * A split from a folder holding {@code <prefix>-images-idx3-ubyte[.gz]} and {@code <prefix>-labels-idx1-ubyte[.gz]}.
     */
    public static FashionMnist open(Path dir, Split split, int size, Resize resize) {
        Path images = find(dir, split.prefix + "-images-idx3-ubyte");
        Path labels = find(dir, split.prefix + "-labels-idx1-ubyte");
        return open(images, labels, split.prefix, size, resize);
    }

    /** From explicit IDX files (gzipped when the name ends in .gz); {@code name} prefixes image ids. */
    public static FashionMnist open(Path imagesFile, Path labelsFile, String name, int size, Resize resize) {
        if (resize == Resize.PAD && size < SOURCE_SIZE) {
            throw new QtuneException("Fashion-MNIST image size " + size + " is smaller than 28: use bilinear resizing");
        }
        if (size < 1 || size > 4096) throw new QtuneException("Fashion-MNIST image size must be 1..4096, got " + size);
        byte[] lab = readIdx(labelsFile, LABELS_MAGIC, 1);
        byte[] img = readIdx(imagesFile, IMAGES_MAGIC, 3);
        int n = lab.length;
        if (img.length != (long) n * SOURCE_SIZE * SOURCE_SIZE) {
            throw new QtuneException(imagesFile + " holds " + img.length / (SOURCE_SIZE * SOURCE_SIZE) + " images but "
                    + labelsFile + " holds " + n + " labels");
        }
        for (int i = 0; i < n; i++) {
            if (lab[i] < 0 || lab[i] >= LABELS) {
                throw new QtuneException(labelsFile + ": label " + lab[i] + " of item " + i + " is outside 0..9");
            }
        }
        return new FashionMnist(name, img, lab, size, resize);
    }

    /** True when Debian's files are installed (scripts/install-deps). */
    public static boolean debianFilesPresent() {
        for (Split s : Split.values()) {
            for (String kind : new String[] {"-images-idx3-ubyte", "-labels-idx1-ubyte"}) {
                if (!Files.isRegularFile(DEBIAN_DIR.resolve(s.prefix + kind + ".gz"))
                        && !Files.isRegularFile(DEBIAN_DIR.resolve(s.prefix + kind))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static Path find(Path dir, String base) {
        Path gz = dir.resolve(base + ".gz");
        if (Files.isRegularFile(gz)) return gz;
        Path raw = dir.resolve(base);
        if (Files.isRegularFile(raw)) return raw;
        throw new QtuneException("Fashion-MNIST file " + gz + " not found (run scripts/install-deps to install dataset-fashion-mnist)");
    }

    /**
     * Reads an IDX file of unsigned bytes: big-endian magic (0x0000 08 dims), dims, then exactly the data.
     * Image files must be N x 28 x 28.
     */
    static byte[] readIdx(Path file, int magic, int dims) {
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = new BufferedInputStream(file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw, 1 << 16)) {
            int m = readInt(in, file);
            if (m != magic) {
                throw new QtuneException(file + " is not an IDX file of " + dims + "-d unsigned bytes: magic 0x"
                        + Integer.toHexString(m) + ", expected 0x" + Integer.toHexString(magic));
            }
            long total = 1;
            int n = readInt(in, file);
            for (int d = 1; d < dims; d++) {
                int len = readInt(in, file);
                if (len != SOURCE_SIZE) throw new QtuneException(file + ": image dimension " + len + ", expected 28x28");
                total *= len;
            }
            if (n < 0) throw new QtuneException(file + ": negative item count " + n);
            total *= n;
            if (total > Integer.MAX_VALUE - 16) throw new QtuneException(file + ": " + n + " items is too many");
            byte[] data = new byte[(int) total];
            int got = in.readNBytes(data, 0, data.length);
            if (got < data.length) {
                throw new QtuneException(file + " is truncated: header promises " + n + " items (" + data.length
                        + " bytes of data), file has " + got);
            }
            if (in.read() != -1) throw new QtuneException(file + " has data after its " + n + " items: not an IDX file?");
            return data;
        } catch (EOFException e) {
            throw new QtuneException(file + " is truncated (ends inside its compressed stream or header)", e);
        } catch (ZipException e) {
            throw new QtuneException(file + " is corrupt: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new QtuneException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static int readInt(InputStream in, Path file) throws IOException {
        byte[] b = in.readNBytes(4);
        if (b.length < 4) throw new QtuneException(file + " is truncated inside its IDX header");
        return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public int height() {
        return size;
    }

    @Override
    public int width() {
        return size;
    }

    @Override
    public int numLabels() {
        return LABELS;
    }

    @Override
    public int label(int i) {
        checkIndex(i);
        return labels[i];
    }

    @Override
    public String id(int i) {
        checkIndex(i);
        return name + "#" + i;
    }

    public Resize resize() {
        return resize;
    }

    /** The original 28x28 pixel (0..255) of image i at row y, column x. */
    public int sourcePixel(int i, int y, int x) {
        checkIndex(i);
        return pixels[(i * SOURCE_SIZE + y) * SOURCE_SIZE + x] & 0xff;
    }

    @Override
    public void load(int i, float[] dst, int offset) {
        checkIndex(i);
        int base = i * SOURCE_SIZE * SOURCE_SIZE;
        if (resize == Resize.PAD) {
            int before = (size - SOURCE_SIZE) / 2;
            for (int y = 0; y < size; y++) {
                int sy = y - before;
                for (int x = 0; x < size; x++) {
                    int sx = x - before;
                    float v = (sy >= 0 && sy < SOURCE_SIZE && sx >= 0 && sx < SOURCE_SIZE)
                            ? pixels[base + sy * SOURCE_SIZE + sx] & 0xff : 0f;
                    put(dst, offset + (y * size + x) * 3, v);
                }
            }
        } else {
            double scale = (double) SOURCE_SIZE / size;
            for (int y = 0; y < size; y++) {
                double fy = Math.min(Math.max((y + 0.5) * scale - 0.5, 0), SOURCE_SIZE - 1);
                int y0 = (int) fy;
                int y1 = Math.min(y0 + 1, SOURCE_SIZE - 1);
                double wy = fy - y0;
                for (int x = 0; x < size; x++) {
                    double fx = Math.min(Math.max((x + 0.5) * scale - 0.5, 0), SOURCE_SIZE - 1);
                    int x0 = (int) fx;
                    int x1 = Math.min(x0 + 1, SOURCE_SIZE - 1);
                    double wx = fx - x0;
                    double top = (1 - wx) * (pixels[base + y0 * SOURCE_SIZE + x0] & 0xff) + wx * (pixels[base + y0 * SOURCE_SIZE + x1] & 0xff);
                    double bottom = (1 - wx) * (pixels[base + y1 * SOURCE_SIZE + x0] & 0xff) + wx * (pixels[base + y1 * SOURCE_SIZE + x1] & 0xff);
                    put(dst, offset + (y * size + x) * 3, (float) ((1 - wy) * top + wy * bottom));
                }
            }
        }
    }

    private static void put(float[] dst, int at, float gray) {
        dst[at] = gray - MEAN_RGB[0];
        dst[at + 1] = gray - MEAN_RGB[1];
        dst[at + 2] = gray - MEAN_RGB[2];
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= count) throw new QtuneException("Fashion-MNIST " + name + ": image index " + i + " outside 0.." + (count - 1));
    }
}
