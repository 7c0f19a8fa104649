package io.qtune.report;

/** Throughput and latency of one engine at one batch size (a row of {@code bench}'s JSON, and of the serving tests to come). */
public record BenchResult(String engine, int batch, double imagesPerSecond, double latencyMsP50, double latencyMsP90, int runs,
                          double seconds) {
    /** Milliseconds per image at the median run. */
    public double msPerImageP50() {
        return latencyMsP50 / batch;
    }
}
