package io.qtune.engine;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;

import io.qtune.QtuneException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.inner_product_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.global.dnnl.prop_kind;
import org.bytedeco.javacpp.Pointer;

/**
 * Empties the CPU caches of what a primitive last touched, for the cold floor ({@link Floor}): a oneDNN inner product
 * (one row times a weight matrix twice the size of the largest cache) runs on the calling thread's OpenMP team, so
 * every thread of the team streams its share of the buffer through its own L1/L2 and the shared last level, and those
 * hold only the buffer afterwards. On the team, not in Java, for two reasons: the other threads' private caches are
 * emptied too, and the team ends the eviction spinning as it does between the steps of a run; after a few
 * milliseconds of one Java thread alone the team's threads have gone to sleep, and waking them (tens of
 * microseconds per step) would be counted as cold. The buffer is filled once: pages never written would all map to
 * the kernel's one zero page and evict nothing. The eviction only reads it, so the lines stay clean and the timed
 * primitive pays no write-backs for them.
 */
final class CacheEviction implements AutoCloseable {
    static final long FALLBACK_BYTES = 64L << 20;
    private static final Path CPU0_CACHES = Path.of("/sys/devices/system/cpu/cpu0/cache");
    /** The row's length: the matrix is bytes / 4 / K rows of K floats. */
    private static final long K = 4096;

    private final NativeScope scope = new NativeScope();
    private final dnnl_primitive handle;
    private final dnnl_exec_arg_t args;
    private final long bytes;

    private CacheEviction(engine eng, long bytes) {
        try {
            long n = Math.max(1, bytes / Float.BYTES / K);
            this.bytes = n * K * Float.BYTES;
            memory.desc src = scope.own(new memory.desc(new long[] {1, K}, memory.data_type.f32, memory.format_tag.ab));
            memory.desc dst = scope.own(new memory.desc(new long[] {1, n}, memory.data_type.f32, memory.format_tag.ab));
            memory.desc anyWeights = scope.own(new memory.desc(new long[] {n, K}, memory.data_type.f32, memory.format_tag.any));
            inner_product_forward.primitive_desc pd = scope.own(new inner_product_forward.primitive_desc(eng,
                    prop_kind.forward_inference, src, anyWeights, dst, scope.own(new primitive_attr()), false));
            inner_product_forward ip = scope.own(new inner_product_forward(pd));
            handle = ip.get();
            memory[] mems = {filled(src, eng), filled(scope.own(pd.weights_desc()), eng), scope.own(new memory(dst, eng))};
            int[] ids = {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST};
            dnnl_exec_arg_t a = scope.own(new dnnl_exec_arg_t(ids.length));
            for (int k = 0; k < ids.length; k++) a.position(k).arg(ids[k]).memory(mems[k].get());
            args = a.position(0);
        } catch (RuntimeException e) {
            scope.close();
            throw e;
        }
    }

    /** A buffer sized for this machine's caches ({@link #bytesFor}), on {@code eng}. */
    static CacheEviction forThisMachine(engine eng) {
        return new CacheEviction(eng, bytesFor(CPU0_CACHES));
    }

    /** A read of about {@code bytes} on the team (at least one row of 16 KiB): also what wakes a sleeping team. */
    static CacheEviction ofBytes(engine eng, long bytes) {
        return new CacheEviction(eng, bytes);
    }

    /** Memory for {@code d}, every byte written (0x3C: floats near 0.01, no denormals to slow the FMAs). */
    private memory filled(memory.desc d, engine eng) {
        memory m = scope.own(new memory(d, eng));
        Pointer.memset(scope.own(m.get_data_handle()), 0x3C, d.get_size());
        return m;
    }

    /** The buffer's size in bytes. */
    long bytes() {
        return bytes;
    }

    /** Reads the whole buffer on the calling thread's team, on {@code stream}, and waits for it. */
    void evict(dnnl_stream stream) {
        int rc = dnnl.dnnl_primitive_execute(handle, stream, 3, args);
        if (rc != dnnl.dnnl_success) throw new QtuneException("cache eviction: oneDNN inner product failed with status " + rc);
        dnnl.dnnl_stream_wait(stream);
    }

    @Override
    public void close() {
        scope.close();
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
