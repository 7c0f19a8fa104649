package io.qtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.qtune.Json;
import io.qtune.data.FashionMnist;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** eval --shard K/N and eval-merge: three shards add up to exactly the unsharded evaluation. */
class EvalShardTest {
    private static final String LIMIT = "301"; // not a multiple of 3: the blocks are 100, 100, 101 images

    @TempDir
    Path dir;

    @SuppressWarnings("unchecked")
    private Map<String, Object> read(Path p) throws Exception {
        return (Map<String, Object>) Json.parse(Files.readString(p), p.toString());
    }

    private Path eval(String name, String... shard) {
        Path json = dir.resolve(name);
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("eval", "--limit", LIMIT, "--metric", "top5", "--json", json.toString()));
        args.addAll(java.util.List.of(shard));
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.err());
        return json;
    }

    @Test
    @SuppressWarnings("unchecked")
    void threeShardsMergeToExactlyTheUnshardedResultAndPartsThatDoNotBelongAreRefused() throws Exception {
        assumeTrue(FashionMnist.debianFilesPresent(), "needs Debian's dataset-fashion-mnist");
        Path whole = eval("whole.json");
        Path[] parts = {eval("p2.json", "--shard", "2/3"), eval("p0.json", "--shard", "0/3"), eval("p1.json", "--shard", "1/3")};
        int covered = 0;
        for (int k = 0; k < 3; k++) {
            Map<String, Object> p = read(parts[(k + 1) % 3]);
            Map<String, Object> s = (Map<String, Object>) p.get("shard");
            assertEquals(k, ((Number) s.get("index")).intValue());
            assertEquals(covered, ((Number) s.get("first")).intValue(), "the blocks tile the set in order");
            covered = ((Number) s.get("end")).intValue();
            assertEquals(covered - ((Number) s.get("first")).intValue(), ((Number) p.get("count")).intValue());
        }
        assertEquals(301, covered);

        Path merged = dir.resolve("merged.json");
        CliRun m = CliRun.of("eval-merge", "--json", merged.toString(), parts[0].toString(), parts[1].toString(), parts[2].toString());
        assertEquals(0, m.exitCode(), m.err());
        Map<String, Object> a = new LinkedHashMap<>(read(whole)), b = new LinkedHashMap<>(read(merged));
        assertEquals(3, ((Number) b.remove("merged_parts")).intValue());
        // throughput is a timing, not a result; everything else (ratios, counts, digests, shard 0/1 of 0..301) is equal
        assertTrue(((Number) a.remove("images_per_second")).doubleValue() > 0);
        // each part names the machine it ran on; a merge spans machines, so it carries the counts, not a machine
        assertTrue(a.remove("machine") instanceof Map<?, ?>, a.toString());
        assertTrue(((Number) b.remove("images_per_second")).doubleValue() > 0);
        assertEquals(a, b);
        assertEquals(301, ((Number) a.get("count")).intValue());
        assertEquals("top5", a.get("metric"));
        assertEquals(a.get("top5"), a.get("score"));
        assertEquals(((Number) a.get("top1_correct")).doubleValue() / 301, ((Number) a.get("top1")).doubleValue());

        // missing, overlapping, already merged, another data set, another model
        CliRun missing = CliRun.of("eval-merge", "--json", dir.resolve("x.json").toString(), parts[0].toString(), parts[1].toString());
        assertEquals(2, missing.exitCode());
        assertTrue(missing.err().contains("shards [1] of 3 are missing"), missing.err());
        CliRun twice = CliRun.of("eval-merge", "--json", dir.resolve("x.json").toString(), parts[0].toString(), parts[1].toString(),
                parts[2].toString(), parts[0].toString());
        assertEquals(2, twice.exitCode());
        assertTrue(twice.err().contains("shard 2/3 is also in"), twice.err());
        Path other = dir.resolve("other-limit.json");
        CliRun o = CliRun.of("eval", "--limit", "300", "--metric", "top5", "--shard", "1/3", "--json", other.toString());
        assertEquals(0, o.exitCode(), o.err());
        CliRun mixed = CliRun.of("eval-merge", "--json", dir.resolve("x.json").toString(), parts[0].toString(), other.toString(), parts[1].toString());
        assertEquals(2, mixed.exitCode());
        assertTrue(mixed.err().contains("does not belong with") && mixed.err().contains("another data set"), mixed.err());
        String text = Files.readString(parts[2]);
        String sha = (String) read(parts[2]).get("model_sha256");
        Path otherModel = Files.writeString(dir.resolve("other-model.json"), text.replace(sha, "0".repeat(64)));
        CliRun model = CliRun.of("eval-merge", "--json", dir.resolve("x.json").toString(), parts[0].toString(), parts[1].toString(), otherModel.toString());
        assertEquals(2, model.exitCode());
        assertTrue(model.err().contains("another model (model_sha256)"), model.err());
        assertFalse(Files.exists(dir.resolve("x.json")), "a refused merge writes nothing");
        CliRun again = CliRun.of("eval-merge", "--json", dir.resolve("x.json").toString(), merged.toString());
        assertEquals(2, again.exitCode());
        assertTrue(again.err().contains("already a merged result"), again.err());

        CliRun bad = CliRun.of("eval", "--limit", "10", "--shard", "3/3");
        assertEquals(2, bad.exitCode());
        assertTrue(bad.err().contains("--shard index must be in 0..2, got 3"), bad.err());
    }
}
