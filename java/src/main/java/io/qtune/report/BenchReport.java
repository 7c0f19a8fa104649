package io.qtune.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import io.qtune.Json;
import io.qtune.platform.Machine;
import java.util.List;

/**
 * What {@code bench --json} writes: the model, one result per (engine, batch), the ratios, each engine's floor table
 * ({@code --floor}; absent without it) and the machine.
 */
public record BenchReport(String model, List<BenchResult> results, List<BenchRatio> ratios,
                          @JsonInclude(JsonInclude.Include.NON_EMPTY) List<FloorResult> floors,
                          @JsonInclude(JsonInclude.Include.NON_NULL) @JsonSerialize(using = MachineJson.class) Machine machine) {
    public BenchReport {
        results = List.copyOf(results);
        ratios = List.copyOf(ratios);
        floors = floors == null ? List.of() : List.copyOf(floors);
    }

    public BenchReport(String model, List<BenchResult> results, List<BenchRatio> ratios, Machine machine) {
        this(model, results, ratios, List.of(), machine);
    }

    /** Indented JSON, one field per line. */
    public String toJson() {
        return Json.pretty(this);
    }
}
