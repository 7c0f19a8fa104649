package io.qtune.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import io.qtune.Json;
import io.qtune.platform.Machine;

/** What {@code eval --json} writes: top-1 and top-5 over {@code count} images, the throughput including decoding,
 * and the machine it ran on. */
public record EvalRecord(double top1, double top5, int count, double imagesPerSecond,
                         @JsonInclude(JsonInclude.Include.NON_NULL) @JsonSerialize(using = MachineJson.class) Machine machine) {
    /** One line of JSON. */
    public String toJson() {
        return Json.write(this);
    }
}
