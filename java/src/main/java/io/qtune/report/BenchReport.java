package io.qtune.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import io.qtune.Json;
import io.qtune.platform.Machine;
import java.util.List;

/** What {@code bench --json} writes: the model, one result per (engine, batch), the ratios and the machine. */
public record BenchReport(String model, List<BenchResult> results, List<BenchRatio> ratios,
                          @JsonInclude(JsonInclude.Include.NON_NULL) @JsonSerialize(using = MachineJson.class) Machine machine) {
    public BenchReport {
        results = List.copyOf(results);
        ratios = List.copyOf(ratios);
    }

    /** Indented JSON, one field per line. */
    public String toJson() {
        return Json.pretty(this);
    }
}
