package io.qtune.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qtune.Json;
import io.qtune.platform.Machine;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SharedRecordsTest {
    static final Machine MACHINE = new Machine("AMD EPYC 9R45", "AuthenticAMD", 2, List.of("avx2", "avx512f", "avx512_vnni"),
            "cpuid", "avx512_core_bf16", null, true, "TF's default on a CPU with VNNI/BF16/AMX", 2, "adaptive", "passive");

    @Test
    void evalRecordKeepsItsFieldNamesAndCarriesTheMachineAsItsOwnMapSays() {
        assertEquals("{\"top1\":0.9237,\"top5\":1,\"count\":10000,\"images_per_second\":412.5}",
                new EvalRecord(0.9237, 1.0, 10000, 412.5, null).toJson());
        String withMachine = new EvalRecord(0.9237, 1.0, 10000, 412.5, MACHINE).toJson();
        @SuppressWarnings("unchecked")
        Map<String, Object> back = (Map<String, Object>) Json.parse(withMachine, "eval.json");
        assertEquals(Json.parse(Json.write(MACHINE.toMap()), "machine"), back.get("machine"));
        assertEquals(List.copyOf(MACHINE.toMap().keySet()), List.copyOf(((Map<?, ?>) back.get("machine")).keySet()));
    }

    @Test
    void benchAndTuningReportsCarryTheMachineLast() {
        BenchReport b = new BenchReport("m.pb", List.of(new BenchResult("tf-fp32", 1, 20, 50, 52, 8, 0.4)), List.of(), MACHINE);
        assertEquals(List.of("model", "results", "ratios", "machine"), keys(b.toJson()));
        TuningReport r = ReportFixtures.sample();
        TuningReport withMachine = new TuningReport(r.status(), r.met(), r.stopReason(), r.criterion(), r.metric(), r.threshold(), r.strategy(),
                r.objective(), r.runtime(), r.runtimeNote(), r.fp32(), r.int8(), r.counts(), r.plan(), r.layerErrorImages(), r.layerErrors(),
                r.trials(), r.seconds(), r.outputs(), r.warnings(), r.provenance(), MACHINE, null);
        List<String> keys = keys(withMachine.toJson());
        assertEquals("machine", keys.get(keys.size() - 1));
        assertEquals(keys(r.toJson()), keys.subList(0, keys.size() - 1), "the other fields keep their order");
    }

    private static List<String> keys(String json) {
        return List.copyOf(((Map<?, ?>) Json.parse(json, "t")).keySet().stream().map(String::valueOf).toList());
    }
}
