package io.qtune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {
    static final float[] MEAN = {123.68f, 116.78f, 103.94f};

    /** IDX bytes: magic, dims, data. */
    static byte[] idx(int magic, int[] dims, byte[] data) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        writeInt(b, magic);
        for (int d : dims) writeInt(b, d);
        b.writeBytes(data);
        return b.toByteArray();
    }

    static void writeInt(ByteArrayOutputStream b, int v) {
        b.write(v >>> 24);
        b.write(v >>> 16);
        b.write(v >>> 8);
        b.write(v);
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (OutputStream o = new GZIPOutputStream(b)) {
            o.write(raw);
        }
        return b.toByteArray();
    }

    /** Image i has pixel (y, x) = (i*7 + y*28 + x) mod 256; labels are i mod 10. */
    static byte[] pixels(int n) {
        byte[] p = new byte[n * 28 * 28];
        for (int i = 0; i < n; i++) {
            for (int y = 0; y < 28; y++) for (int x = 0; x < 28; x++) p[(i * 28 + y) * 28 + x] = (byte) ((i * 7 + y * 28 + x) % 256);
        }
        return p;
    }

    static int pixel(int i, int y, int x) {
        return (i * 7 + y * 28 + x) % 256;
    }

    /** Writes a small split in {@code dir} as {@code t10k-*} files (gzipped or not). */
    static void writeSplit(Path dir, int n, boolean gz) throws IOException {
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) labels[i] = (byte) (i % 10);
        byte[] img = idx(0x803, new int[] {n, 28, 28}, pixels(n));
        byte[] lab = idx(0x801, new int[] {n}, labels);
        String ext = gz ? ".gz" : "";
        Files.write(dir.resolve("t10k-images-idx3-ubyte" + ext), gz ? gzip(img) : img);
        Files.write(dir.resolve("t10k-labels-idx1-ubyte" + ext), gz ? gzip(lab) : lab);
    }

    @Test
    void padsCentresReplicatesAndSubtractsImagenetMeans(@TempDir Path dir) throws IOException {
        writeSplit(dir, 5, true);
        try (FashionMnist d = FashionMnist.open(dir, FashionMnist.Split.TEST, 32, FashionMnist.Resize.PAD)) {
            assertEquals(5, d.size());
            assertEquals(32, d.height());
            assertEquals(32, d.width());
            assertEquals(10, d.numLabels());
            assertEquals(3, d.label(3));
            assertEquals("t10k#4", d.id(4));
            float[] buf = new float[7 + 32 * 32 * 3];
            d.load(3, buf, 7);
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    boolean inside = y >= 2 && y < 30 && x >= 2 && x < 30;
                    int v = inside ? pixel(3, y - 2, x - 2) : 0;
                    for (int c = 0; c < 3; c++) {
                        assertEquals(v - MEAN[c], buf[7 + (y * 32 + x) * 3 + c], 0f, "y" + y + " x" + x + " c" + c);
                    }
                }
            }
        }
    }

    @Test
    void size28IsTheIdentityAndPlainFilesWork(@TempDir Path dir) throws IOException {
        writeSplit(dir, 3, false);
        FashionMnist d = FashionMnist.open(dir, FashionMnist.Split.TEST, 28, FashionMnist.Resize.PAD);
        float[] buf = new float[28 * 28 * 3];
        d.load(2, buf, 0);
        for (int y = 0; y < 28; y++) for (int x = 0; x < 28; x++) assertEquals(pixel(2, y, x) - MEAN[1], buf[(y * 28 + x) * 3 + 1], 0f);
        // bilinear at the same size is also the identity
        FashionMnist b = FashionMnist.open(dir, FashionMnist.Split.TEST, 28, FashionMnist.Resize.BILINEAR);
        float[] buf2 = new float[28 * 28 * 3];
        b.load(2, buf2, 0);
        assertTrue(Arrays.equals(buf, buf2));
    }

    @Test
    void bilinearDoublingAveragesNeighboursWithHalfPixelCentres(@TempDir Path dir) throws IOException {
        writeSplit(dir, 2, true);
        FashionMnist d = FashionMnist.open(dir, FashionMnist.Split.TEST, 56, FashionMnist.Resize.BILINEAR);
        float[] buf = new float[56 * 56 * 3];
        d.load(1, buf, 0);
        // output x = 2k+1 maps to source k + 0.25, so it is 0.75*p[k] + 0.25*p[k+1]; x = 0 clamps to p[0]
        int y = 21; // source row 10.25
        for (int k = 0; k < 27; k++) {
            double rowK = 0.75 * pixel(1, 10, k) + 0.25 * pixel(1, 11, k);
            double rowK1 = 0.75 * pixel(1, 10, k + 1) + 0.25 * pixel(1, 11, k + 1);
            double expect = 0.75 * rowK + 0.25 * rowK1;
            assertEquals(expect - MEAN[0], buf[(y * 56 + 2 * k + 1) * 3], 1e-3, "x" + (2 * k + 1));
        }
        double corner = pixel(1, 0, 0);
        assertEquals(corner - MEAN[2], buf[2], 1e-3);
    }

    @Test
    void truncatedAndCorruptFilesNameTheFile(@TempDir Path dir) throws IOException {
        writeSplit(dir, 4, false);
        Path images = dir.resolve("t10k-images-idx3-ubyte");
        Path labels = dir.resolve("t10k-labels-idx1-ubyte");
        byte[] full = Files.readAllBytes(images);

        Files.write(images, Arrays.copyOf(full, full.length - 10));
        QtuneException e = assertThrows(QtuneException.class,
                () -> FashionMnist.open(images, labels, "t", 32, FashionMnist.Resize.PAD));
        assertTrue(e.getMessage().contains(images.toString()) && e.getMessage().contains("truncated"), e.getMessage());

        Files.write(images, Arrays.copyOf(full, 6));
        e = assertThrows(QtuneException.class, () -> FashionMnist.open(images, labels, "t", 32, FashionMnist.Resize.PAD));
        assertTrue(e.getMessage().contains(images.toString()) && e.getMessage().contains("header"), e.getMessage());

        byte[] wrongMagic = full.clone();
        wrongMagic[3] = 0x02;
        Files.write(images, wrongMagic);
        e = assertThrows(QtuneException.class, () -> FashionMnist.open(images, labels, "t", 32, FashionMnist.Resize.PAD));
        assertTrue(e.getMessage().contains(images.toString()) && e.getMessage().contains("magic"), e.getMessage());

        // swapped files: the labels file has the images magic
        Files.write(images, full);
        e = assertThrows(QtuneException.class, () -> FashionMnist.open(labels, images, "t", 32, FashionMnist.Resize.PAD));
        assertTrue(e.getMessage().contains("magic"), e.getMessage());

        Files.write(images, idx(0x803, new int[] {4, 32, 32}, new byte[4 * 32 * 32]));
        e = assertThrows(QtuneException.class, () -> FashionMnist.open(images, labels, "t", 32, FashionMnist.Resize.PAD));
        assertTrue(e.getMessage().contains("28x28"), e.getMessage());

        Files.write(images, idx(0x803, new int[] {3, 28, 28}, pixels(3)));
        e = assertThrows(QtuneException.class, () -> FashionMnist.open(images, labels, "t", 32, FashionMnist.Resize.PAD));
        assertTrue(e.getMessage().contains("3 images") && e.getMessage().contains("4 labels"), e.getMessage());

        Path gz = dir.resolve("cut-images.gz");
        byte[] zipped = gzip(full);
        Files.write(gz, Arrays.copyOf(zipped, zipped.length / 2));
        e = assertThrows(QtuneException.class, () -> FashionMnist.open(gz, labels, "t", 32, FashionMnist.Resize.PAD));
        assertTrue(e.getMessage().contains(gz.toString()) && e.getMessage().contains("truncated"), e.getMessage());

        byte[] badCrc = zipped.clone();
        badCrc[badCrc.length - 6] ^= 0x55; // CRC32 in the gzip trailer
        Files.write(gz, badCrc);
        e = assertThrows(QtuneException.class, () -> FashionMnist.open(gz, labels, "t", 32, FashionMnist.Resize.PAD));
        assertTrue(e.getMessage().contains(gz.toString()), e.getMessage());

        Files.write(images, full);
        byte[] badLabel = idx(0x801, new int[] {4}, new byte[] {0, 1, 10, 3});
        Files.write(labels, badLabel);
        e = assertThrows(QtuneException.class, () -> FashionMnist.open(images, labels, "t", 32, FashionMnist.Resize.PAD));
        assertTrue(e.getMessage().contains(labels.toString()) && e.getMessage().contains("label 10"), e.getMessage());
    }

    @Test
    void missingFilesAndBadSizesAreClear(@TempDir Path dir) throws IOException {
        QtuneException e = assertThrows(QtuneException.class,
                () -> FashionMnist.open(dir, FashionMnist.Split.TRAIN, 32, FashionMnist.Resize.PAD));
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte") && e.getMessage().contains("install-deps"), e.getMessage());
        writeSplit(dir, 2, true);
        e = assertThrows(QtuneException.class, () -> FashionMnist.open(dir, FashionMnist.Split.TEST, 20, FashionMnist.Resize.PAD));
        assertTrue(e.getMessage().contains("20"), e.getMessage());
        FashionMnist d = FashionMnist.open(dir, FashionMnist.Split.TEST, 32, FashionMnist.Resize.PAD);
        e = assertThrows(QtuneException.class, () -> d.load(2, new float[32 * 32 * 3], 0));
        assertTrue(e.getMessage().contains("index 2"), e.getMessage());
    }

    @Test
    void realDebianFilesHaveTheKnownShape() {
        DebianFashionMnist.assumeInstalled();
        FashionMnist test = FashionMnist.open(FashionMnist.Split.TEST, 32);
        assertEquals(10_000, test.size());
        int[] perLabel = new int[10];
        for (int i = 0; i < test.size(); i++) perLabel[test.label(i)]++;
        for (int c = 0; c < 10; c++) assertEquals(1000, perLabel[c], "label " + c); // the test split is balanced
        // the first t10k labels of Fashion-MNIST are 9 (ankle boot), 2 (pullover), 1 (trouser), 1, 6 (shirt)
        assertEquals(9, test.label(0));
        assertEquals(2, test.label(1));
        assertEquals(1, test.label(2));
        assertEquals(1, test.label(3));
        assertEquals(6, test.label(4));
        float[] img = new float[32 * 32 * 3];
        test.load(0, img, 0);
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int i = 0; i < img.length; i += 3) {
            min = Math.min(min, img[i]);
            max = Math.max(max, img[i]);
        }
        assertEquals(-123.68f, min, 0f); // black background
        assertTrue(max > 100, "bright pixels present: " + max);
        FashionMnist train = FashionMnist.open(FashionMnist.Split.TRAIN, 32);
        assertEquals(60_000, train.size());
        assertEquals(9, train.label(0)); // the first training label is 9 (ankle boot)
    }
}
