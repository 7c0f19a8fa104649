package io.qtune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java pipeline against MLPerf's pre_process_vgg as run by Debian's cv2 4.6 (scripts/reference_crops.py):
 * uint8 crops within 1 LSB (bytedeco's OpenCV is 4.11), floats exactly crop - mean.
 */
class VggPreprocessingReferenceTest {

    record Case(String reference, String image, int crop, double scale, int decodedH, int decodedW, int resizedH,
            int resizedW) {}

    static List<Case> manifest() throws IOException {
        List<Case> cases = new ArrayList<>();
        for (String line : Files.readAllLines(TestImages.resource("reference/manifest.tsv"), StandardCharsets.UTF_8)) {
            if (line.startsWith("#") || line.startsWith("reference\t") || line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t");
            cases.add(new Case(f[0], f[1], Integer.parseInt(f[2]), Double.parseDouble(f[3]), Integer.parseInt(f[4]),
                    Integer.parseInt(f[5]), Integer.parseInt(f[6]), Integer.parseInt(f[7])));
        }
        return cases;
    }

    /** The reference PNG read by the JDK, independent of OpenCV: raw RGB samples, row-major HWC. */
    static byte[] referenceRgb(String name, int crop) throws IOException {
        BufferedImage img = ImageIO.read(TestImages.resource("reference/" + name).toFile());
        Raster raster = img.getRaster();
        assertEquals(crop, img.getWidth(), name);
        assertEquals(crop, img.getHeight(), name);
        assertEquals(3, raster.getNumBands(), name);
        byte[] rgb = new byte[crop * crop * 3];
        int[] px = new int[3];
        for (int y = 0; y < crop; y++) {
            for (int x = 0; x < crop; x++) {
                raster.getPixel(x, y, px);
                for (int c = 0; c < 3; c++) {
                    rgb[(y * crop + x) * 3 + c] = (byte) px[c];
                }
            }
        }
        return rgb;
    }

    @Test
    void cropsMatchTheCv2ReferenceWithinOneLsb() throws IOException {
        List<Case> cases = manifest();
        assertTrue(cases.size() >= 10, "manifest lists " + cases.size() + " cases");
        assertTrue(cases.stream().anyMatch(c -> c.crop() == 224 && c.scale() == 87.5), "no full 256/224 case");
        long pixels = 0;
        long differing = 0;
        int worst = 0;
        StringBuilder perCase = new StringBuilder();
        for (Case c : cases) {
            VggPreprocessing pre = new VggPreprocessing(c.crop(), c.scale());
            assertArrayEquals(new int[] {c.resizedH(), c.resizedW()}, pre.resizedSize(c.decodedH(), c.decodedW()),
                    c.reference() + ": resized size");
            byte[] encoded = Files.readAllBytes(TestImages.resource("fixtures/" + c.image()));
            byte[] java = pre.rgbCrop(encoded, c.image());
            byte[] ref = referenceRgb(c.reference(), c.crop());
            assertEquals(ref.length, java.length, c.reference());
            int caseDiffering = 0;
            int caseWorst = 0;
            for (int k = 0; k < ref.length; k++) {
                int d = Math.abs((java[k] & 0xFF) - (ref[k] & 0xFF));
                if (d != 0) {
                    caseDiffering++;
                    caseWorst = Math.max(caseWorst, d);
                }
            }
            assertTrue(caseWorst <= 1, c.reference() + ": a sample differs by " + caseWorst + " from cv2's");
            pixels += ref.length;
            differing += caseDiffering;
            worst = Math.max(worst, caseWorst);
            perCase.append(String.format("  %-40s %7d samples, %5d differ%n", c.reference(), ref.length, caseDiffering));
        }
        System.out.printf("reference crops: %d cases, %d samples, %d differ from cv2 4.6 (max |diff| %d)%n%s",
                cases.size(), pixels, differing, worst, perCase);
    }

    @Test
    void floatsAreTheCropMinusTheMeansExactly(@TempDir Path tmp) throws IOException {
        // through the data set, as calibration and evaluation read it, at the full MLPerf size
        Path list = tmp.resolve("cal.txt");
        Set<String> images = new LinkedHashSet<>();
        for (Case c : manifest()) {
            images.add(c.image());
        }
        Files.write(list, images);
        ImageNetDataset data = ImageNetDataset.calibration(TestImages.resource("fixtures"), list,
                ImageNetDataset.Options.defaults());
        assertEquals(images.size(), data.size());
        double[] means = {123.68f, 116.78f, 103.94f}; // the float32 means, widened: MLPerf subtracts in float32
        int n = 224 * 224 * 3;
        float[] all = new float[data.size() * n + 5];
        java.util.Arrays.fill(all, Float.NaN); // a sentinel no crop minus a mean can produce
        for (int i = 0; i < data.size(); i++) {
            data.load(i, all, 5 + i * n);
            byte[] rgb = data.loadRgbCrop(i);
            for (int k = 0; k < n; k++) {
                // the exact difference is a double; one rounding to float is what float32 subtraction gives
                float expected = (float) ((rgb[k] & 0xFF) - means[k % 3]);
                if (expected != all[5 + i * n + k]) {
                    throw new AssertionError(data.id(i) + " sample " + k + ": " + all[5 + i * n + k] + " != "
                            + expected);
                }
            }
        }
        for (int k = 0; k < 5; k++) {
            assertTrue(Float.isNaN(all[k]), "load wrote before its offset, at " + k);
        }
    }

    @Test
    void greyJpegComesOutAsThreeEqualChannels() throws IOException {
        byte[] rgb = new VggPreprocessing(96, 87.5).rgbCrop(
                Files.readAllBytes(TestImages.resource("fixtures/gray_301x257.jpg")), "gray");
        assertEquals(96 * 96 * 3, rgb.length);
        Set<Integer> levels = new java.util.HashSet<>();
        for (int k = 0; k < rgb.length; k += 3) {
            assertEquals(rgb[k], rgb[k + 1], "pixel " + k / 3);
            assertEquals(rgb[k], rgb[k + 2], "pixel " + k / 3);
            levels.add(rgb[k] & 0xFF);
        }
        // equal channels prove nothing about a flat (e.g. all-zero) buffer: the fixture has a gradient
        assertTrue(levels.size() > 16, "only " + levels.size() + " grey levels in the crop");
    }

    @Test
    void exifOrientationIsAppliedAsImreadDoes() {
        // the 400x300 file carries orientation 6, so imread hands out 300 wide by 400 high: the h > w branch
        VggPreprocessing pre = new VggPreprocessing(96, 87.5);
        assertArrayEquals(new int[] {145, 109}, pre.resizedSize(400, 300));
    }
}
