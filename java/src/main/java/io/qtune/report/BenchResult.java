package io.qtune.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * Throughput and latency of one engine at one batch size (a row of {@code bench}'s JSON, and of the serving tests to come).
 * With {@code bench --instances N} the engine ran as N concurrent copies: images per second is the sum of theirs
 * ({@code instanceImagesPerSecond}), the latencies are over every run of every copy.
 */
public record BenchResult(String engine, int batch, double imagesPerSecond, double latencyMsP50, double latencyMsP90, int runs,
                          double seconds,
                          @JsonInclude(JsonInclude.Include.NON_NULL) Double floorMsPerImage,
                          @JsonInclude(JsonInclude.Include.NON_NULL) Double floorRatio,
                          @JsonInclude(JsonInclude.Include.NON_NULL) Double floorColdMsPerImage,
                          @JsonInclude(JsonInclude.Include.NON_NULL) Double floorColdRatio,
                          @JsonInclude(JsonInclude.Include.NON_NULL) Double floorWeightsColdMsPerImage,
                          @JsonInclude(JsonInclude.Include.NON_NULL) Double floorWeightsColdRatio,
                          @JsonInclude(JsonInclude.Include.NON_NULL) Integer instances,
                          @JsonInclude(JsonInclude.Include.NON_NULL) Integer threadsPerInstance,
                          @JsonInclude(JsonInclude.Include.NON_NULL) List<Double> instanceImagesPerSecond) {
    public BenchResult {
        instanceImagesPerSecond = instanceImagesPerSecond == null ? null : List.copyOf(instanceImagesPerSecond);
    }

    public BenchResult(String engine, int batch, double imagesPerSecond, double latencyMsP50, double latencyMsP90, int runs,
                       double seconds) {
        this(engine, batch, imagesPerSecond, latencyMsP50, latencyMsP90, runs, seconds, null, null, null, null, null, null, null, null, null);
    }

    /**
     * This result against its per-layer floors (bench --floor): the hot, the cold and the weights-cold floor per image
     * and p50 per image over each; a floor that was not measured (NaN) is left out.
     */
    public BenchResult withFloor(double floorMsPerImage, double floorColdMsPerImage, double floorWeightsColdMsPerImage) {
        return new BenchResult(engine, batch, imagesPerSecond, latencyMsP50, latencyMsP90, runs, seconds, measured(floorMsPerImage),
                over(floorMsPerImage), measured(floorColdMsPerImage), over(floorColdMsPerImage),
                measured(floorWeightsColdMsPerImage), over(floorWeightsColdMsPerImage), instances, threadsPerInstance,
                instanceImagesPerSecond);
    }

    private static Double measured(double floorMsPerImage) {
        return Double.isNaN(floorMsPerImage) ? null : floorMsPerImage;
    }

    private Double over(double floorMsPerImage) {
        return Double.isNaN(floorMsPerImage) ? null : msPerImageP50() / floorMsPerImage;
    }

    /** Milliseconds per image at the median run. */
    public double msPerImageP50() {
        return latencyMsP50 / batch;
    }
}
