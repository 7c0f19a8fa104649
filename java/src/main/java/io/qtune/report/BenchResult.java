package io.qtune.report;

/** Throughput and latency of one engine at one batch size (a row of {@code bench}'s JSON, and of the serving tests to come). */
public record BenchResult(String engine, int batch, double imagesPerSecond, double latencyMsP50, double latencyMsP90, int runs,
                          double seconds,
                          @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
                          Double floorMsPerImage,
                          @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
                          Double floorRatio) {
    public BenchResult(String engine, int batch, double imagesPerSecond, double latencyMsP50, double latencyMsP90, int runs,
                       double seconds) {
        this(engine, batch, imagesPerSecond, latencyMsP50, latencyMsP90, runs, seconds, null, null);
    }

    /** This result against its per-layer floor (bench --floor): the floor per image and p50 per image over it. */
    public BenchResult withFloor(double floorMsPerImage) {
        return new BenchResult(engine, batch, imagesPerSecond, latencyMsP50, latencyMsP90, runs, seconds, floorMsPerImage,
                msPerImageP50() / floorMsPerImage);
    }

    /** Milliseconds per image at the median run. */
    public double msPerImageP50() {
        return latencyMsP50 / batch;
    }
}
