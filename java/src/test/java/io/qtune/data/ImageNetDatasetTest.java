package io.qtune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole data set on a temp folder laid out like ILSVRC2012 val, with the failure cases a real copy has. */
class ImageNetDatasetTest {
    private static final ImageNetDataset.Options SMALL = ImageNetDataset.Options.defaults().withCrop(32, 87.5);

    @TempDir
    Path tmp;
    Path dir;

    static String name(int n) {
        return String.format("ILSVRC2012_val_%08d.JPEG", n);
    }

    @BeforeEach
    void layOut() throws IOException {
        dir = Files.createDirectory(tmp.resolve("val"));
        // committed fixtures (grey, CMYK) plus JPEGs generated here
        Files.copy(TestImages.resource("fixtures/landscape_500x375.jpg"), dir.resolve(name(1)));
        Files.copy(TestImages.resource("fixtures/gray_301x257.jpg"), dir.resolve(name(2)));
        Files.copy(TestImages.resource("fixtures/cmyk_320x240.jpg"), dir.resolve(name(3)));
        TestImages.write(dir.resolve(name(4)), TestImages.jpeg(61, 90, false, 3, 4));
        TestImages.write(dir.resolve(name(5)), TestImages.jpeg(120, 40, true, 3, 5));
        byte[] random = new byte[4000];
        new Random(7).nextBytes(random);
        random[0] = 0x12; // a random file that happened to start like a JPEG would not test the signature check
        TestImages.write(dir.resolve(name(6)), random); // corrupt: random bytes named .JPEG
    }

    Path write(String fileName, String text) throws IOException {
        Path p = tmp.resolve(fileName);
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p;
    }

    @Test
    void readsValMapToleratingBlankLinesTrailingBlanksAndCrlf() throws IOException {
        Path map = write("val_map.txt", "\n" + name(1) + " 65\n" + name(2) + " 0   \r\n\n  " + name(3) + "\t999\n"
                + name(4) + " 7\n" + name(5) + " 12\n\n\n");
        ImageNetDataset data = ImageNetDataset.validation(dir, map, SMALL);
        assertEquals(5, data.size());
        assertEquals(32, data.height());
        assertEquals(32, data.width());
        assertEquals(1000, data.numLabels());
        assertArrayEquals(new int[] {65, 0, 999, 7, 12},
                new int[] {data.label(0), data.label(1), data.label(2), data.label(3), data.label(4)});
        assertEquals(name(3), data.id(2));
        assertEquals(map + ":5", data.listedAt(2));
        assertEquals(0, data.skippedCount());
        float[] dst = new float[32 * 32 * 3 + 2];
        for (int i = 0; i < data.size(); i++) {
            data.load(i, dst, 1);
            byte[] rgb = data.loadRgbCrop(i);
            float[] means = VggPreprocessing.means();
            for (int k = 0; k < rgb.length; k++) {
                assertEquals((rgb[k] & 0xFF) - means[k % 3], dst[1 + k], data.id(i));
            }
        }
        byte[] grey = data.loadRgbCrop(4); // a 1-channel JPEG generated here comes out with R = G = B
        for (int k = 0; k < grey.length; k += 3) {
            assertTrue(grey[k] == grey[k + 1] && grey[k] == grey[k + 2]);
        }
        assertThrows(IndexOutOfBoundsException.class, () -> data.load(0, new float[32 * 32 * 3], 1));
    }

    @Test
    void loadsAreDeterministicAndThreadSafe() throws Exception {
        Path map = write("val_map.txt", name(1) + " 1\n" + name(2) + " 2\n" + name(3) + " 3\n" + name(4) + " 4\n");
        ImageNetDataset data = ImageNetDataset.validation(dir, map, SMALL);
        byte[][] once = new byte[data.size()][];
        for (int i = 0; i < data.size(); i++) {
            once[i] = data.loadRgbCrop(i);
        }
        Thread[] threads = new Thread[4];
        Throwable[] failures = new Throwable[threads.length];
        for (int t = 0; t < threads.length; t++) {
            int id = t;
            threads[t] = new Thread(() -> {
                try {
                    for (int round = 0; round < 5; round++) {
                        for (int i = 0; i < data.size(); i++) {
                            int j = (i + id) % data.size(); // threads start at different images
                            assertArrayEquals(once[j], data.loadRgbCrop(j));
                        }
                    }
                } catch (Throwable e) {
                    failures[id] = e;
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        for (Throwable f : failures) {
            if (f != null) {
                throw new AssertionError(f);
            }
        }
    }

    @Test
    void calibrationListHasNoLabels() throws IOException {
        Path cal = write("cal_image_list_option_1.txt", name(3) + "\n" + name(1) + "  \n\n");
        ImageNetDataset data = ImageNetDataset.calibration(dir, cal, SMALL);
        assertEquals(2, data.size());
        assertEquals(-1, data.label(0));
        assertEquals(-1, data.label(1));
        assertEquals(name(3), data.id(0));
        assertEquals(1000, data.numLabels());
    }

    @Test
    void missingFileNamesTheFileAndTheListLine() throws IOException {
        Path map = write("val_map.txt", name(1) + " 1\n\n" + name(99) + " 2\n");
        QtuneException e = assertThrows(QtuneException.class, () -> ImageNetDataset.validation(dir, map, SMALL));
        assertTrue(e.getMessage().startsWith(map + ":3: "), e.getMessage());
        assertTrue(e.getMessage().contains(name(99)) && e.getMessage().contains("no such file"), e.getMessage());
        assertOneLine(e);
    }

    @Test
    void corruptFileNamesTheFileAndTheListLine() throws IOException {
        Path map = write("val_map.txt", name(1) + " 1\n" + name(6) + " 2\n");
        QtuneException e = assertThrows(QtuneException.class, () -> ImageNetDataset.validation(dir, map, SMALL));
        assertTrue(e.getMessage().startsWith(map + ":2: ") && e.getMessage().contains(name(6)), e.getMessage());
        assertTrue(e.getMessage().contains("not an image"), e.getMessage());
        assertOneLine(e);
    }

    @Test
    void fileWithJpegSignatureButBrokenBodyIsSkippedWithSkipBadAndFailsWhenLoadedWithout() throws IOException {
        byte[] broken = new byte[3000];
        new Random(3).nextBytes(broken);
        broken[0] = (byte) 0xFF;
        broken[1] = (byte) 0xD8;
        broken[2] = (byte) 0xFF;
        TestImages.write(dir.resolve(name(7)), broken);
        Path map = write("val_map.txt", name(1) + " 1\n" + name(7) + " 2\n");
        // skip-bad skips every damaged file (issue 13): the open-time check reads and checks the whole file
        ImageNetDataset skipping = ImageNetDataset.validation(dir, map, SMALL.withSkipBad(true));
        assertEquals(1, skipping.size());
        assertEquals(1, skipping.skippedCount());
        ImageNetDataset data = ImageNetDataset.validation(dir, map, SMALL);
        assertEquals(2, data.size()); // without skip-bad the open check is cheap: the signature looked fine
        QtuneException e = assertThrows(QtuneException.class, () -> data.load(1, new float[32 * 32 * 3], 0));
        assertTrue(e.getMessage().contains(dir.resolve(name(7)).toString()), e.getMessage());
        assertTrue(e.getMessage().contains(map + ":2") && e.getMessage().contains("damaged JPEG"), e.getMessage());
        assertOneLine(e);
    }

    @Test
    void malformedValMapLinesAreRejectedWithFileAndLine() throws IOException {
        String[][] cases = {
            {name(1) + " 1\n" + name(2) + "\n", ":2: ", "expected '<image file> <label 0..999>'"},
            {name(1) + " 1 extra\n", ":1: ", "got '" + name(1) + " 1 extra'"},
            {"\n\n" + name(1) + " one\n", ":3: ", "got label 'one'"},
            {name(1) + " 1000\n", ":1: ", "label 1000 is outside 0..999"},
            {name(1) + " -1\n", ":1: ", "label -1 is outside 0..999"},
            {name(1) + " 1\n" + name(2) + " 5\n" + name(1) + " 1\n", ":3: ", "listed twice (first at line 1)"},
        };
        for (String[] c : cases) {
            Path map = write("val_map.txt", c[0]);
            QtuneException e = assertThrows(QtuneException.class, () -> ImageNetDataset.validation(dir, map, SMALL));
            assertTrue(e.getMessage().startsWith(map + c[1]), e.getMessage());
            assertTrue(e.getMessage().contains(c[2]), e.getMessage());
            assertOneLine(e);
        }
    }

    @Test
    void calibrationListWithLabelsIsRejected() throws IOException {
        Path cal = write("cal.txt", name(1) + "\n" + name(2) + " 3\n");
        QtuneException e = assertThrows(QtuneException.class, () -> ImageNetDataset.calibration(dir, cal, SMALL));
        assertTrue(e.getMessage().startsWith(cal + ":2: ") && e.getMessage().contains("bare image file name"),
                e.getMessage());
    }

    @Test
    void emptyOrMissingListOrDirectoryIsAClearError() throws IOException {
        Path empty = write("empty.txt", "\n  \n");
        assertTrue(assertThrows(QtuneException.class, () -> ImageNetDataset.validation(dir, empty, SMALL))
                .getMessage().contains("is empty"));
        Path missing = tmp.resolve("nope.txt");
        assertTrue(assertThrows(QtuneException.class, () -> ImageNetDataset.validation(dir, missing, SMALL))
                .getMessage().startsWith(missing + ": cannot read"));
        Path map = write("val_map.txt", name(1) + " 1\n");
        assertTrue(assertThrows(QtuneException.class,
                () -> ImageNetDataset.validation(tmp.resolve("nodir"), map, SMALL)).getMessage()
                .contains("image directory not found"));
    }

    @Test
    void skipBadLeavesOutAndCountsMissingAndCorruptFiles() throws IOException {
        Files.createFile(dir.resolve(name(8))); // empty
        Path map = write("val_map.txt", name(1) + " 1\n" + name(99) + " 2\n" + name(2) + " 3\n" + name(6) + " 4\n"
                + name(8) + " 5\n" + name(3) + " 6\n");
        ImageNetDataset data = ImageNetDataset.validation(dir, map, SMALL.withSkipBad(true));
        assertEquals(3, data.size());
        assertEquals(List.of(name(1), name(2), name(3)), List.of(data.id(0), data.id(1), data.id(2)));
        assertArrayEquals(new int[] {1, 3, 6}, new int[] {data.label(0), data.label(1), data.label(2)});
        assertEquals(map + ":6", data.listedAt(2));
        assertEquals(3, data.skippedCount());
        List<ImageNetDataset.BadFile> bad = data.skipped();
        assertEquals(List.of(name(99), name(6), name(8)), bad.stream().map(ImageNetDataset.BadFile::file).toList());
        assertEquals(List.of(map + ":2", map + ":4", map + ":5"),
                bad.stream().map(ImageNetDataset.BadFile::listedAt).toList());
        assertEquals("no such file", bad.get(0).reason());
        assertTrue(bad.get(1).reason().startsWith("not an image"));
        assertEquals("empty file", bad.get(2).reason());
        assertTrue(data.toString().contains("3 bad files skipped"), data.toString());
        // every image that was kept loads
        float[] dst = new float[32 * 32 * 3];
        for (int i = 0; i < data.size(); i++) {
            data.load(i, dst, 0);
        }
    }

    @Test
    void aListOfOnlyBadFilesIsAnErrorEvenWithSkipBad() throws IOException {
        Path map = write("val_map.txt", name(99) + " 2\n" + name(6) + " 4\n");
        QtuneException e = assertThrows(QtuneException.class,
                () -> ImageNetDataset.validation(dir, map, SMALL.withSkipBad(true)));
        assertTrue(e.getMessage().contains("none of the 2 listed images is usable"), e.getMessage());
    }

    @Test
    void optionsAreValidated() {
        assertThrows(QtuneException.class, () -> SMALL.withCrop(0, 87.5));
        assertThrows(QtuneException.class, () -> SMALL.withCrop(224, 120));
        assertThrows(QtuneException.class, () -> SMALL.withNumLabels(0));
        assertEquals(256, new VggPreprocessing(224, 87.5).shortSide());
        assertEquals(73, new VggPreprocessing(64, 87.5).shortSide()); // int(73.14...)
    }

    private static void assertOneLine(Exception e) {
        assertTrue(!e.getMessage().contains("\n"), "message is not one line: " + e.getMessage());
    }
}
