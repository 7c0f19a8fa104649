package io.qtune.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * golden-plan-before-weight-range.json was written by the hand-written plan writer before the switch to Jackson and
 * before plans had a weight range; golden-plan.json is the same plan with weight ranges, as qtune writes it now.
 */
class PlanJsonGoldenTest {
    @Test
    void planFilesKeepTheirBytes() throws Exception {
        String bytes = golden("golden-plan.json");
        assertEquals(bytes, PlanFixtures.awkward().toJson());
        assertEquals(PlanFixtures.awkward(), QuantPlan.fromJson(bytes, "golden-plan.json"));
    }

    @Test
    void plansWithoutAWeightRangeReadAsTheEightBitWeightsTheyWereMadeWith() throws Exception {
        String old = golden("golden-plan-before-weight-range.json");
        assertEquals(PlanFixtures.awkward(true), QuantPlan.fromJson(old, "golden-plan-before-weight-range.json"));
        // written again, each op says so, and nothing else changes
        assertEquals(old, PlanFixtures.awkward(true).toJson().replace(",\n      \"weight_range\": \"8bit\"", ""));
    }

    private static String golden(String name) throws Exception {
        return Files.readString(Path.of(PlanJsonGoldenTest.class.getResource("/io/qtune/quant/" + name).toURI()), StandardCharsets.UTF_8);
    }
}
