package io.qtune.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import io.qtune.Json;
import io.qtune.platform.Machine;

/** An evaluation's figures: top-1 and top-5 over {@code count} images, the throughput including decoding, the
 * machine it ran on, and (only when there were any) how many images got non-finite scores. */
public record EvalRecord(double top1, double top5, int count, double imagesPerSecond,
                         @JsonInclude(JsonInclude.Include.NON_NULL) @JsonSerialize(using = MachineJson.class) Machine machine,
                         @JsonInclude(JsonInclude.Include.NON_NULL) Integer nonFinite) {
    public EvalRecord(double top1, double top5, int count, double imagesPerSecond, Machine machine) {
        this(top1, top5, count, imagesPerSecond, machine, null);
    }

    /** One line of JSON. */
    public String toJson() {
        return Json.write(this);
    }
}
