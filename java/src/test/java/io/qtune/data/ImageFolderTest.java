package io.qtune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** imagefolder:DIR on the committed JPEG fixtures laid out as DIR/<class>/<image>. */
class ImageFolderTest {
    @TempDir
    Path tmp;
    Path dir;

    @BeforeEach
    void layOut() throws IOException {
        dir = Files.createDirectory(tmp.resolve("photos"));
        Path shirt = Files.createDirectories(dir.resolve("shirt/more")).getParent(), bag = Files.createDirectory(dir.resolve("bag"));
        Files.createDirectory(dir.resolve("coat")); // a class with no images still takes its label
        Files.createDirectories(dir.resolve(".cache"));
        Files.copy(TestImages.resource("fixtures/landscape_500x375.jpg"), bag.resolve("b.jpg"));
        Files.copy(TestImages.resource("fixtures/portrait_333x500.jpg"), shirt.resolve("z.JPEG"));
        Files.copy(TestImages.resource("fixtures/gray_301x257.jpg"), shirt.resolve("more/a.jpg"));
        Files.copy(TestImages.resource("fixtures/cmyk_320x240.jpg"), dir.resolve(".cache/hidden.jpg"));
        Files.writeString(shirt.resolve("notes.txt"), "not an image, not listed");
        Files.writeString(shirt.resolve(".DS_Store"), "hidden");
    }

    @Test
    void classesAreTheSortedFoldersAndImagesAreMlperfCropsAtTheModelSize() throws IOException {
        try (LabeledImages d = DataSpec.open("imagefolder:" + dir, 96)) {
            ImageFolder f = (ImageFolder) d;
            assertEquals(List.of("bag", "coat", "shirt"), f.classes());
            assertEquals(3, d.numLabels());
            assertEquals(3, d.size());
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < d.size(); i++) ids.add(d.id(i) + "=" + d.label(i));
            // sorted by path below the class folder: "more/a.jpg" < "z.JPEG"
            assertEquals(List.of("bag/b.jpg=0", "shirt/more/a.jpg=2", "shirt/z.JPEG=2"), ids);
            assertEquals(96, d.height());
            // pixels: MLPerf's pre_process_vgg at 96 (87.5%) as Debian's cv2 computed it, within 1 LSB (OpenCV 4.6 vs 4.11)
            String[] refs = {"landscape_500x375_c96_s87.5.png", "gray_301x257_c96_s87.5.png", "portrait_333x500_c96_s87.5.png"};
            float[] means = VggPreprocessing.means();
            float[] img = new float[96 * 96 * 3];
            for (int i = 0; i < 3; i++) {
                d.load(i, img, 0);
                byte[] ref = VggPreprocessingReferenceTest.referenceRgb(refs[i], 96);
                int worst = 0;
                for (int k = 0; k < ref.length; k++) worst = Math.max(worst, (int) Math.abs(img[k] + means[k % 3] - (ref[k] & 0xFF)));
                assertTrue(worst <= 1, d.id(i) + ": differs from the reference crop by " + worst);
            }
        }
    }

    @Test
    void aClassesFileSetsTheLabelsAndTheLabelOffsetFollowsTheClassCount() throws IOException {
        List<String> thousand = new ArrayList<>();
        for (int i = 0; i < 1000; i++) thousand.add("n" + i);
        thousand.set(7, "shirt");
        thousand.set(400, "bag");
        thousand.set(999, "coat");
        Path classes = Files.write(tmp.resolve("synsets.txt"), thousand);
        try (LabeledImages d = DataSpec.open("imagefolder:" + dir + ",classes=" + classes, 64)) {
            assertEquals(1000, d.numLabels());
            assertEquals(List.of(400, 7, 7), List.of(d.label(0), d.label(1), d.label(2)));
            // as for imagenet: 1001 model outputs for 1000 labels means background class 0, offset 1
            assertEquals(1, LabelOffset.forDataset(d, 1001, OptionalInt.empty()).offset());
            assertEquals(0, LabelOffset.forDataset(d, 1000, OptionalInt.empty()).offset());
            assertThrows(QtuneException.class, () -> LabelOffset.forDataset(d, 10, OptionalInt.empty()));
        }
        Path partial = Files.write(tmp.resolve("partial.txt"), List.of("shirt", "coat"));
        QtuneException e = assertThrows(QtuneException.class, () -> DataSpec.open("imagefolder:" + dir + ",classes=" + partial, 64));
        assertTrue(e.getMessage().contains(dir.resolve("bag") + ": class folder 'bag' is not in " + partial), e.getMessage());
        Path twice = Files.write(tmp.resolve("twice.txt"), List.of("bag", "shirt", "bag", "coat"));
        e = assertThrows(QtuneException.class, () -> DataSpec.open("imagefolder:" + dir + ",classes=" + twice, 64));
        assertTrue(e.getMessage().startsWith(twice + ":3: class 'bag' is listed twice"), e.getMessage());
    }

    @Test
    void aBadFileIsAnErrorNamingItOrSkippedWithSkipBad() throws IOException {
        Path broken = dir.resolve("coat/broken.jpg");
        Files.write(broken, new byte[] {0x12, 0x34, 0x56, 0x78, 0x00, 0x11});
        Files.write(dir.resolve("coat/empty.png"), new byte[0]);
        QtuneException e = assertThrows(QtuneException.class, () -> DataSpec.open("imagefolder:" + dir, 64));
        assertTrue(e.getMessage().startsWith(broken + ": not an image"), e.getMessage());
        try (LabeledImages d = DataSpec.open("imagefolder:" + dir + ",skip-bad", 64)) {
            assertEquals(3, d.size());
            assertEquals(2, ((ImageFolder) d).skipped().size());
            assertTrue(((ImageFolder) d).skipped().get(0).startsWith(broken + ": not an image"), ((ImageFolder) d).skipped().toString());
        }
        e = assertThrows(QtuneException.class, () -> DataSpec.open("imagefolder:" + dir + ",shuffle", 64));
        assertTrue(e.getMessage().contains("unknown option 'shuffle'"), e.getMessage());
        e = assertThrows(QtuneException.class, () -> DataSpec.open("imagefolder:" + tmp.resolve("nope"), 64));
        assertTrue(e.getMessage().contains("is not a directory"), e.getMessage());
        Path empty = Files.createDirectories(tmp.resolve("empty/cls"));
        e = assertThrows(QtuneException.class, () -> DataSpec.open("imagefolder:" + empty.getParent(), 64));
        assertTrue(e.getMessage().contains("no usable images"), e.getMessage());
    }
}
