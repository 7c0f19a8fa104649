package io.qtune.engine;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Empties the CPU caches of what a primitive last touched, for the cold floor ({@link Floor}): the calling thread reads
 * a buffer twice the size of the largest cache, one load per 64-byte line, so the caches it goes through (its own L1/L2
 * and the shared last level) hold only the buffer afterwards. The buffer is filled with values once: pages never
 * written would all map to the kernel's one zero page and evict nothing. Reading, not writing, leaves the lines clean,
 * so the timed primitive pays no write-backs for them. Other threads' private caches (an L2 per core) keep what they
 * last touched: in the floor that is other steps' data, as in the chain.
 */
final class CacheEviction {
    static final long FALLBACK_BYTES = 64L << 20;
    private static final int LINE_LONGS = 64 / Long.BYTES;
    private static final Path CPU0_CACHES = Path.of("/sys/devices/system/cpu/cpu0/cache");

    private final long[] buffer;
    /** The loads' sum, stored where the JIT cannot prove it unread, so the loop cannot be removed. */
    private volatile long sink;

    private CacheEviction(long bytes) {
        buffer = new long[Math.toIntExact(bytes / Long.BYTES)];
        for (int i = 0; i < buffer.length; i++) buffer[i] = i * 0x9E3779B97F4A7C15L;
    }

    /** A buffer sized for this machine's caches ({@link #bytesFor}). */
    static CacheEviction forThisMachine() {
        return new CacheEviction(bytesFor(CPU0_CACHES));
    }

    /** The buffer's size in bytes. */
    long bytes() {
        return (long) buffer.length * Long.BYTES;
    }

    /** Reads one long of every cache line of the buffer. */
    void evict() {
        long sum = 0;
        for (int i = 0; i < buffer.length; i += LINE_LONGS) sum += buffer[i];
        sink = sum;
    }

    /**
     * Twice the largest cache listed under {@code cacheDir} (sysfs: {@code index<N>/size}, e.g. "32768K"), rounded up
     * to a MiB, or {@link #FALLBACK_BYTES} when none can be read (no sysfs: a container without it, another OS).
     */
    static long bytesFor(Path cacheDir) {
        long largest = 0;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(cacheDir, "index*")) {
            for (Path d : dirs) {
                Path size = d.resolve("size");
                if (Files.isReadable(size)) largest = Math.max(largest, parseSize(Files.readString(size)));
            }
        } catch (IOException | RuntimeException e) {
            return FALLBACK_BYTES;
        }
        if (largest <= 0) return FALLBACK_BYTES;
        long mib = 1L << 20;
        return (2 * largest + mib - 1) / mib * mib;
    }

    /** A sysfs cache size: a number with an optional K, M or G suffix; 0 when it is not one. */
    static long parseSize(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (t.isEmpty()) return 0;
        long unit = switch (t.charAt(t.length() - 1)) {
            case 'K' -> 1L << 10;
            case 'M' -> 1L << 20;
            case 'G' -> 1L << 30;
            default -> 1;
        };
        String digits = unit == 1 ? t : t.substring(0, t.length() - 1);
        try {
            return Long.parseLong(digits) * unit;
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
