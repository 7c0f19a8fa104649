package io.qtune.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** golden-plan.json was written by the hand-written plan writer before the switch to Jackson: same plan, same bytes. */
class PlanJsonGoldenTest {
    @Test
    void planFilesKeepTheirBytes() throws Exception {
        Path golden = Path.of(PlanJsonGoldenTest.class.getResource("/io/qtune/quant/golden-plan.json").toURI());
        String bytes = Files.readString(golden, StandardCharsets.UTF_8);
        assertEquals(bytes, PlanFixtures.awkward().toJson());
        assertEquals(PlanFixtures.awkward(), QuantPlan.fromJson(bytes, "golden-plan.json"));
    }
}
