package io.qtune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import io.qtune.cli.CliRun;
import io.qtune.graph.GraphDefCodec;
import io.qtune.testing.HostileGraphs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged JPEGs (issue 13): one cut short, one whose header is whole but whose coded data is garbage. libjpeg only
 * warned on both and OpenCV returned an image (grey or noise) that was used as data.
 */
class DamagedJpegTest {
    @TempDir
    Path tmp;

    static byte[] whole() {
        return TestImages.jpeg(300, 200, false, 40, 11);
    }

    /** Offset just past the start-of-scan segment, where the coded data begins. */
    static int scanData(byte[] j) {
        int i = 2;
        while (true) {
            int code = j[i + 1] & 0xFF, len = ((j[i + 2] & 0xFF) << 8) | (j[i + 3] & 0xFF);
            i += 2 + len;
            if (code == 0xDA) return i;
        }
    }

    static byte[] cut(byte[] j, int length) {
        return Arrays.copyOf(j, length);
    }

    static byte[] garbageBody(byte[] j) {
        byte[] g = j.clone();
        int from = scanData(j);
        byte[] noise = new byte[g.length - 2 - from];
        new Random(5).nextBytes(noise);
        System.arraycopy(noise, 0, g, from, noise.length); // the end-of-image marker stays
        return g;
    }

    @Test
    void theStructureCheckPassesWholeFilesAndNamesTheDamage() throws Exception {
        byte[] j = whole();
        assertTrue(j.length > 8000, "large enough to cut to 2 KB: " + j.length);
        assertNull(JpegStructure.damage(j));
        for (String f : new String[] {"landscape_500x375.jpg", "gray_301x257.jpg", "cmyk_320x240.jpg"}) {
            assertNull(JpegStructure.damage(Files.readAllBytes(TestImages.resource("fixtures/" + f))), f);
        }
        assertTrue(JpegStructure.damage(cut(j, 2048)).contains("cut short"), JpegStructure.damage(cut(j, 2048)));
        assertTrue(JpegStructure.damage(cut(j, j.length - 2)).contains("cut short"), "only the end marker missing");
        assertTrue(JpegStructure.damage(garbageBody(j)).contains("garbage in the image data"), JpegStructure.damage(garbageBody(j)));
        assertNull(JpegStructure.damage("not a jpeg".getBytes(StandardCharsets.UTF_8)), "other formats are OpenCV's to judge");
    }

    private Path layOut(byte[] third) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("val"));
        TestImages.write(dir.resolve("a.JPEG"), whole());
        TestImages.write(dir.resolve("b.JPEG"), TestImages.jpeg(120, 90, false, 10, 2));
        TestImages.write(dir.resolve("c.JPEG"), third);
        Files.writeString(dir.resolve("val_map.txt"), "a.JPEG 1\nb.JPEG 2\nc.JPEG 3\n");
        return dir;
    }

    @Test
    void skipBadSkipsAndCountsDamagedFilesAndWithoutItLoadingNamesFileAndLine() throws Exception {
        byte[] j = whole();
        for (byte[] damaged : new byte[][] {cut(j, 2048), garbageBody(j)}) {
            Path dir = layOut(damaged);
            ImageNetDataset.Options o = ImageNetDataset.Options.defaults().withCrop(32, 87.5);
            ImageNetDataset skipping = ImageNetDataset.validation(dir, dir.resolve("val_map.txt"), o.withSkipBad(true));
            assertEquals(2, skipping.size());
            assertEquals(1, skipping.skippedCount());
            assertTrue(skipping.skipped().get(0).toString().startsWith("c.JPEG (" + dir.resolve("val_map.txt") + ":3): damaged JPEG"),
                    skipping.skipped().get(0).toString());
            ImageNetDataset strict = ImageNetDataset.validation(dir, dir.resolve("val_map.txt"), o);
            float[] img = new float[32 * 32 * 3];
            strict.load(0, img, 0);
            QtuneException e = assertThrows(QtuneException.class, () -> strict.load(2, img, 0));
            assertTrue(e.getMessage().contains(dir.resolve("c.JPEG") + " (listed at " + dir.resolve("val_map.txt") + ":3): damaged JPEG"),
                    e.getMessage());
            io.qtune.testing.Dirs.delete(dir);
        }
    }

    @Test
    void theErrorStartsOnItsOwnLineAfterTheProgressBar() throws Exception {
        Path dir = layOut(cut(whole(), 2048));
        Path model = tmp.resolve("model.pb");
        GraphDefCodec.write(HostileGraphs.classifier(), model);
        CliRun r = CliRun.of("eval", "--model", model.toString(), "--data", "imagenet:" + dir, "--batch", "1");
        assertEquals(2, r.exitCode(), r.err());
        // stderr is not a terminal here, so progress comes as whole lines; either way the error starts a line of its own
        assertTrue(r.err().contains("eval onednn "), "progress was shown: " + r.err());
        assertTrue(r.err().contains("\nerror: ") && !r.err().contains("\rerror"), "error on a fresh line: " + r.err());
        assertTrue(r.err().strip().endsWith("damaged JPEG: cut short inside the image data; fix or remove the line, or add skip-bad"), r.err());
        CliRun skipped = CliRun.of("eval", "--model", model.toString(), "--data", "imagenet:" + dir + ",skip-bad", "--batch", "1");
        assertEquals(0, skipped.exitCode(), skipped.err());
        assertTrue(skipped.out().contains("(2 images"), skipped.out());
        assertFalse(skipped.err().contains("error"), skipped.err());
    }
}
