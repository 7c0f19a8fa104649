package io.qtune.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CacheEvictionTest {
    @Test
    void sizedTwiceTheLargestCacheOfSysfs(@TempDir Path dir) throws Exception {
        cache(dir, "index0", "48K");
        cache(dir, "index1", "32K");
        cache(dir, "index2", "2048K");
        cache(dir, "index3", "33792K\n"); // a 33 MiB L3 (Xeon): twice is 66 MiB, not the 64 MiB fallback
        assertEquals(66L << 20, CacheEviction.bytesFor(dir));
        cache(dir, "index4", "1M");
        assertEquals(66L << 20, CacheEviction.bytesFor(dir), "only the largest counts");
        Files.createDirectories(dir.resolve("index5")); // a level without a size file is skipped
        assertEquals(66L << 20, CacheEviction.bytesFor(dir));
    }

    @Test
    void fallsBackWhenNoCacheCanBeRead(@TempDir Path dir) throws Exception {
        assertEquals(CacheEviction.FALLBACK_BYTES, CacheEviction.bytesFor(dir.resolve("missing")));
        assertEquals(CacheEviction.FALLBACK_BYTES, CacheEviction.bytesFor(dir), "no index dirs");
        cache(dir, "index0", "unknown");
        assertEquals(CacheEviction.FALLBACK_BYTES, CacheEviction.bytesFor(dir));
        assertEquals(64L << 20, CacheEviction.FALLBACK_BYTES);
    }

    @Test
    void parsesSysfsSizes() {
        for (var c : List.of(List.of("32K", 32L << 10), List.of("1024K", 1L << 20), List.of("2M", 2L << 20),
                List.of("1G", 1L << 30), List.of("4096", 4096L), List.of("", 0L), List.of("K", 0L), List.of("12Q", 0L))) {
            assertEquals(c.get(1), CacheEviction.parseSize((String) c.get(0)), c.toString());
        }
    }

    @Test
    void thisMachinesBufferCoversItsCaches() {
        try (engine eng = new engine(engine.kind.cpu, 0); stream s = new stream(eng);
             CacheEviction e = CacheEviction.forThisMachine(eng)) {
            long expected = CacheEviction.bytesFor(Path.of("/sys/devices/system/cpu/cpu0/cache"));
            assertEquals(expected, e.bytes(), "a whole number of 16 KiB rows, as every bytesFor is");
            assertTrue(e.bytes() >= 2L << 20 && e.bytes() % (1L << 20) == 0, "whole MiB, at least twice an L2: " + e.bytes());
            e.evict(s.get()); // the inner product runs over the whole buffer
            e.evict(s.get());
        }
    }

    private static void cache(Path dir, String index, String size) throws Exception {
        Files.createDirectories(dir.resolve(index));
        Files.writeString(dir.resolve(index).resolve("size"), size);
    }
}
