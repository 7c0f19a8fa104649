package io.qtune.report;

import io.qtune.Json;
import java.util.List;

/** What {@code bench --json} writes: the model, one result per (engine, batch) and the ratios. */
public record BenchReport(String model, List<BenchResult> results, List<BenchRatio> ratios) {
    public BenchReport {
        results = List.copyOf(results);
        ratios = List.copyOf(ratios);
    }

    /** Indented JSON, one field per line. */
    public String toJson() {
        return Json.pretty(this);
    }
}
