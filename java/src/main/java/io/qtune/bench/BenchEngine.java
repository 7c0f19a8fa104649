package io.qtune.bench;

/** One runtime under benchmark: runs a batch of images and discards the outputs. */
public interface BenchEngine extends AutoCloseable {
    /** The registry name, e.g. "onednn-fp32". */
    String name();

    /** Runs one batch; {@code images} holds exactly batch images in NHWC. */
    void run(float[] images, int batch);

    /**
     * One line per op the runtime runs otherwise than the model asks (a bf16 convolution run in FP32), from its
     * program for {@code batch} (the first batch size benchmarked, so nothing is compiled only to say this).
     */
    default java.util.List<String> notes(int batch) {
        return java.util.List.of();
    }

    /** A per-step time profile at this batch size, or null when the runtime offers none. */
    default String profile(int batch, int runs) {
        return null;
    }

    /** This runtime's hot and cold floor at this batch size ({@link io.qtune.engine.Floor}), or null when it has none. */
    default io.qtune.engine.Floor floor(int batch, int runs) {
        return null;
    }

    @Override
    void close();
}
