package io.qtune.engine;

import io.qtune.kernels.NativeRuntime;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.javacpp.Pointer;

/**
 * Evicts a step's constants (weights, bias, compensation: every memory the programs share) from every cache of
 * every core, leaving its activations where they are, for the weights-cold floor ({@link Floor}). That is the state a
 * layer starts in inside a batch-1 run of a model whose weights outgrow the caches: its input was just written by the
 * layer before, its weights were last read a whole run ago. The flush (CLFLUSH, {@link NativeRuntime#flushFromCaches})
 * runs on the calling thread; a small read on the OpenMP team follows, so the team is spinning again when the timed
 * step starts, as it is between the steps of a run (a team woken from sleep would add its wake-up to the step).
 */
final class WeightFlush implements AutoCloseable {
    /** The team's wake-up read: a few rows per thread, small next to the 1-2 MiB L2 caches the activations sit in. */
    static final long WAKE_BYTES = 256L << 10;

    private final CacheEviction wake;

    private WeightFlush(CacheEviction wake) {
        this.wake = wake;
    }

    /** A flush for programs on {@code eng}, or null when the native library (which holds CLFLUSH) is not loaded. */
    static WeightFlush create(engine eng) {
        return NativeRuntime.available() ? new WeightFlush(CacheEviction.ofBytes(eng, WAKE_BYTES)) : null;
    }

    /** Flushes {@code step}'s shared memories, then wakes the team on {@code stream}. */
    void flush(PrimitiveStep step, dnnl_stream stream) {
        for (memory m : step.sharedMemories()) {
            try (memory.desc d = m.get_desc(); Pointer data = m.get_data_handle()) {
                NativeRuntime.flushFromCaches(data, d.get_size());
            }
        }
        wake.evict(stream);
    }

    @Override
    public void close() {
        wake.close();
    }
}
