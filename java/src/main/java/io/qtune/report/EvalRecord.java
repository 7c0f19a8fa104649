package io.qtune.report;

import io.qtune.Json;

/** What {@code eval --json} writes: top-1 and top-5 over {@code count} images, and the throughput including decoding. */
public record EvalRecord(double top1, double top5, int count, double imagesPerSecond) {
    /** One line of JSON. */
    public String toJson() {
        return Json.write(this);
    }
}
