package io.qtune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchLoaderTest {

    /** 2x2 images whose every float says which image it is; can sleep at random and fail on chosen images. */
    static class FakeImages implements LabeledImages {
        final int n;
        final Set<Integer> failing;
        final boolean jitter;
        final AtomicInteger loads = new AtomicInteger();
        final Map<Integer, QtuneException> thrown = new ConcurrentHashMap<>();
        volatile int slow = -1; // this image takes 30 ms, so later positions of its batch finish first

        FakeImages(int n, boolean jitter, Integer... failing) {
            this.n = n;
            this.jitter = jitter;
            this.failing = Set.of(failing);
        }

        static float value(int image, int k) {
            return image * 100 + k;
        }

        @Override
        public int size() {
            return n;
        }

        @Override
        public int height() {
            return 2;
        }

        @Override
        public int width() {
            return 2;
        }

        @Override
        public int numLabels() {
            return 7;
        }

        @Override
        public int label(int i) {
            return i % 7;
        }

        @Override
        public String id(int i) {
            return "img" + i;
        }

        @Override
        public void load(int i, float[] dst, int offset) {
            loads.incrementAndGet();
            if (i == slow) {
                try {
                    Thread.sleep(30);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (jitter) {
                // scrambles completion order between threads; correctness must not depend on it
                try {
                    Thread.sleep(0, ThreadLocalRandom.current().nextInt(0, 999_999));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (failing.contains(i)) {
                QtuneException e = new QtuneException("img" + i + ": cannot be decoded");
                thrown.put(i, e);
                throw e;
            }
            for (int k = 0; k < 12; k++) {
                dst[offset + k] = value(i, k);
            }
        }
    }

    static int[] shuffled(int n, int repeats, long seed) {
        Random rnd = new Random(seed);
        int[] order = new int[n + repeats];
        for (int i = 0; i < order.length; i++) {
            order[i] = i < n ? i : rnd.nextInt(n);
        }
        for (int i = order.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    static List<BatchLoader.Batch> drain(BatchLoader loader) {
        List<BatchLoader.Batch> out = new ArrayList<>();
        while (loader.hasNext()) {
            out.add(loader.next());
        }
        return out;
    }

    static List<Thread> liveThreads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(prefix) && t.isAlive())
                .toList();
    }

    @Test
    void batchesComeOutInOrderWithExactContentsWhateverTheThreadTiming() {
        FakeImages images = new FakeImages(97, true);
        int[] order = shuffled(97, 6, 11); // 103 positions, some images twice
        List<List<BatchLoader.Batch>> runs = new ArrayList<>();
        for (int threads : new int[] {1, 3, 4}) {
            try (BatchLoader loader = new BatchLoader(images, 10, order, new BatchLoader.Options(threads, 2))) {
                assertEquals(11, loader.numBatches());
                runs.add(drain(loader));
                assertThrows(NoSuchElementException.class, loader::next);
            }
        }
        for (List<BatchLoader.Batch> batches : runs) {
            assertEquals(11, batches.size());
            for (int b = 0; b < batches.size(); b++) {
                BatchLoader.Batch batch = batches.get(b);
                assertEquals(b, batch.index());
                int size = b < 10 ? 10 : 3; // the last batch is partial
                assertEquals(size, batch.size());
                assertEquals(size * 12, batch.images().length);
                for (int j = 0; j < size; j++) {
                    int image = order[b * 10 + j];
                    assertEquals(image, batch.imageIndices()[j]);
                    assertEquals(image % 7, batch.labels()[j]);
                    assertEquals("img" + image, batch.ids()[j]);
                    for (int k = 0; k < 12; k++) {
                        assertEquals(FakeImages.value(image, k), batch.images()[j * 12 + k]);
                    }
                }
            }
        }
        assertEquals(3 * 103, images.loads.get());
    }

    @Test
    void defaultOrderIsTheDataSetOrder() {
        FakeImages images = new FakeImages(5, false);
        try (BatchLoader loader = new BatchLoader(images, 2, BatchLoader.Options.defaults())) {
            List<BatchLoader.Batch> batches = drain(loader);
            assertArrayEquals(new int[] {0, 1}, batches.get(0).imageIndices());
            assertArrayEquals(new int[] {4}, batches.get(2).imageIndices());
        }
    }

    @Test
    void loaderErrorReachesTheConsumerAsTheOriginalExceptionInItsBatch() {
        // images 23 and 27 both fail in batch 2; 27 is made to fail first, yet position 3 (image 23) is reported
        FakeImages images = new FakeImages(60, true, 23, 27, 55);
        images.slow = 23;
        String prefix;
        try (BatchLoader loader = new BatchLoader(images, 10, new BatchLoader.Options(4, 3))) {
            prefix = loader.threadNamePrefix();
            assertEquals(0, loader.next().index());
            assertEquals(1, loader.next().index());
            QtuneException e = assertThrows(QtuneException.class, loader::next);
            assertSame(images.thrown.get(23), e);
            assertFalse(loader.hasNext());
            assertSame(e, assertThrows(QtuneException.class, loader::next)); // stays failed
            assertTrue(loader.isTerminated());
        }
        assertEquals(List.of(), liveThreads(prefix));
    }

    @Test
    void prefetchIsBounded() throws InterruptedException {
        FakeImages images = new FakeImages(100, false);
        try (BatchLoader loader = new BatchLoader(images, 4, new BatchLoader.Options(2, 1))) {
            // batch 0 delivered: only batch 1 (the next one) and batch 2 (prefetch 1) may load besides it
            loader.next();
            assertSettlesAt(images, 12);
            loader.next();
            loader.next();
            loader.next(); // batches 0..3 delivered: 0..5 dispatched
            assertSettlesAt(images, 24);
        }
    }

    /** Only next() dispatches work, so once the dispatched loads are done the count cannot move: wait, then check. */
    private static void assertSettlesAt(FakeImages images, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (images.loads.get() < expected && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        assertEquals(expected, images.loads.get());
    }

    @Test
    void consumerExceptionShutsThePoolDown() {
        FakeImages images = new FakeImages(1000, false);
        String[] prefix = new String[1];
        BatchLoader[] held = new BatchLoader[1];
        RuntimeException boom = assertThrows(RuntimeException.class, () -> {
            try (BatchLoader loader = new BatchLoader(images, 8, new BatchLoader.Options(2, 4))) {
                held[0] = loader;
                prefix[0] = loader.threadNamePrefix();
                loader.next();
                throw new RuntimeException("inference failed");
            }
        });
        assertEquals("inference failed", boom.getMessage());
        assertTrue(held[0].isTerminated());
        assertFalse(held[0].hasNext());
        assertEquals(List.of(), liveThreads(prefix[0]));
        int loads = images.loads.get();
        assertTrue(loads < 1000, "the whole set was loaded: " + loads);
    }

    @Test
    void threadsAreDaemonsAndEndOnClose() {
        FakeImages images = new FakeImages(200, true);
        List<String> prefixes = new ArrayList<>();
        for (int round = 0; round < 20; round++) {
            try (BatchLoader loader = new BatchLoader(images, 5, new BatchLoader.Options(3, 2))) {
                prefixes.add(loader.threadNamePrefix());
                loader.next();
                List<Thread> running = liveThreads(loader.threadNamePrefix());
                assertFalse(running.isEmpty());
                assertTrue(running.size() <= 3);
                running.forEach(t -> assertTrue(t.isDaemon(), t.getName()));
                if (round % 2 == 0) {
                    drain(loader);
                }
            }
        }
        for (String prefix : prefixes) {
            assertEquals(List.of(), liveThreads(prefix));
        }
    }

    @Test
    void emptyOrderAndBadArguments() {
        FakeImages images = new FakeImages(3, false);
        try (BatchLoader loader = new BatchLoader(images, 4, new int[0], BatchLoader.Options.defaults())) {
            assertFalse(loader.hasNext());
            assertThrows(NoSuchElementException.class, loader::next);
        }
        assertThrows(QtuneException.class, () -> new BatchLoader(images, 0, BatchLoader.Options.defaults()));
        QtuneException e = assertThrows(QtuneException.class,
                () -> new BatchLoader(images, 2, new int[] {0, 3}, BatchLoader.Options.defaults()));
        assertTrue(e.getMessage().contains("position 1 names image 3"), e.getMessage());
        assertThrows(QtuneException.class, () -> new BatchLoader.Options(0, 2));
        assertThrows(QtuneException.class, () -> new BatchLoader.Options(1, -1));
    }

    @Test
    void decodesRealJpegsLikeTheDataSetDoes(@TempDir Path tmp) throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("val"));
        StringBuilder map = new StringBuilder();
        for (int n = 1; n <= 13; n++) {
            String name = String.format("ILSVRC2012_val_%08d.JPEG", n);
            TestImages.write(dir.resolve(name), TestImages.jpeg(40 + 7 * n, 90 - 3 * n, n % 4 == 0, 4, n));
            map.append(name).append(' ').append(n * 3).append('\n');
        }
        byte[] broken = TestImages.jpeg(50, 50, false, 0, 99);
        TestImages.write(dir.resolve("ILSVRC2012_val_00000014.JPEG"), java.util.Arrays.copyOf(broken, 200));
        map.append("ILSVRC2012_val_00000014.JPEG 1\n");
        Path list = tmp.resolve("val_map.txt");
        Files.writeString(list, map);
        ImageNetDataset data = ImageNetDataset.validation(dir, list,
                ImageNetDataset.Options.defaults().withCrop(24, 87.5));
        int per = 24 * 24 * 3;
        float[] expected = new float[per];
        try (BatchLoader loader = new BatchLoader(data, 5, new int[] {12, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13},
                new BatchLoader.Options(2, 1))) {
            for (int b = 0; b < 2; b++) {
                BatchLoader.Batch batch = loader.next();
                for (int j = 0; j < batch.size(); j++) {
                    data.load(batch.imageIndices()[j], expected, 0);
                    assertArrayEquals(expected, java.util.Arrays.copyOfRange(batch.images(), j * per, (j + 1) * per));
                    assertEquals(data.label(batch.imageIndices()[j]), batch.labels()[j]);
                }
            }
            // a JPEG cut after 200 bytes passes the signature check, then fails to decode in the last batch
            QtuneException e = assertThrows(QtuneException.class, loader::next);
            assertNotNull(e.getMessage());
            assertTrue(e.getMessage().contains("ILSVRC2012_val_00000014.JPEG") && e.getMessage().contains(list + ":14"),
                    e.getMessage());
        }
    }
}
