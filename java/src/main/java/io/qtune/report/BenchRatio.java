package io.qtune.report;

/** One engine over another at one batch size: images/s ratio and p50 latency ratio (ratios from one run compare fairly). */
public record BenchRatio(String numerator, String denominator, int batch, double imagesPerSecondRatio, double latencyP50Ratio) {}
