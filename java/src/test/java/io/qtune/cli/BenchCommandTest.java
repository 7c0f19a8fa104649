package io.qtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.zoo.ResNet50Builder;
import io.qtune.zoo.ResNet50Spec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {
    /** Whether the floor has its weights-cold column: CLFLUSH lives in the native library, which a build may skip. */
    private static final boolean FLUSHES = !Boolean.getBoolean("qtune.native.skip");
    @Test
    void benchesBothEnginesAndWritesJson(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("tiny.pb");
        ResNet50Builder.write(ResNet50Builder.build(new ResNet50Spec(0.125, 32, 11, 3)).graph(), model);
        Path json = dir.resolve("out/bench.json");
        CliRun r = CliRun.of("bench", "--model", model.toString(), "--engines", "onednn-fp32,tf-fp32", "--batch", "1,2",
                "--seconds", "0.2", "--warmup", "0.05", "--slice", "0.05", "--json", json.toString(), "--profile");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("ratio onednn-fp32 / tf-fp32 at batch 1:"), r.out());
        assertTrue(r.out().contains("ratio onednn-fp32 / tf-fp32 at batch 2:"), r.out());
        assertTrue(r.out().contains("profile of onednn-fp32, batch 2, 5 runs:"), r.out());
        assertTrue(r.out().contains("convolution"), r.out());
        String text = Files.readString(json);
        assertEquals(4, text.split("\"images_per_second\"", -1).length - 1, text);
        assertEquals(2, text.split("\"images_per_second_ratio\"", -1).length - 1, text);
        @SuppressWarnings("unchecked")
        java.util.Map<String, Object> report = (java.util.Map<String, Object>) io.qtune.Json.parse(text, "bench.json");
        assertTrue(((java.util.List<?>) report.get("results")).stream()
                .anyMatch(o -> o instanceof java.util.Map<?, ?> m && "tf-fp32".equals(m.get("engine")) && Double.valueOf(2).equals(m.get("batch"))), text);
    }

    /**
     * TF reads its oneDNN setting once per process: an engine that needs the other one (here tf-int8 where TF runs
     * with oneDNN off, as under TF_ENABLE_ONEDNN_OPTS=0) is skipped with a note naming why, and the others still run.
     */
    @Test
    void aTfEngineThatCannotRunInThisProcessIsSkippedWithTheReason(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("tiny.pb"), int8 = dir.resolve("tiny-int8.pb");
        ResNet50Builder.write(ResNet50Builder.build(new ResNet50Spec(0.125, 32, 11, 3)).graph(), model);
        CliRun q = CliRun.of("quantize", "--model", model.toString(), "--calib", "synthetic:8", "--calib-size", "8",
                "--out", int8.toString());
        assertEquals(0, q.exitCode(), q.err());
        CliRun r = CliRun.of("bench", "--model", model.toString(), "--int8-model", int8.toString(), "--engines",
                "tf-fp32,tf-int8,onednn-int8", "--batch", "1", "--seconds", "0.1", "--warmup", "0.05", "--slice", "0.05");
        assertEquals(0, r.exitCode(), r.err());
        String refusal = io.qtune.platform.TfOnednn.refusal(io.qtune.platform.TfOnednn.Kind.INT8, int8.toString());
        assertTrue(r.out().contains("  TF oneDNN " + (io.qtune.platform.TfOnednn.setting().on() ? "on (" : "off (")
                + io.qtune.platform.TfOnednn.setting().reason() + ")"), r.out());
        List<String> ran = r.out().lines().filter(l -> l.matches("(tf|onednn)-\\S+\\s+1\\s.*")).map(l -> l.split("\\s+")[0]).toList();
        if (refusal != null) {
            assertTrue(r.out().contains("tf-int8: note: skipped: " + refusal), r.out());
            assertEquals(List.of("tf-fp32", "onednn-int8"), ran, r.out());
        } else {
            assertEquals(List.of("tf-fp32", "tf-int8", "onednn-int8"), ran, r.out());
        }
    }

    @Test
    void floorTimesEveryConvolutionAloneAndTheJsonCarriesIt(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("tiny.pb");
        ResNet50Builder.write(ResNet50Builder.build(new ResNet50Spec(0.125, 32, 11, 3)).graph(), model);
        Path json = dir.resolve("bench.json");
        CliRun r = CliRun.of("bench", "--model", model.toString(), "--engines", "onednn-fp32,onednn-bf16", "--batch", "1",
                "--seconds", "0.2", "--warmup", "0.05", "--slice", "0.05", "--floor", "--floor-runs", "3",
                "--json", json.toString());
        assertEquals(0, r.exitCode(), r.err());
        // ResNet50: 53 convolutions and the dense layer are the floor; every one gets a time alone
        long timedAlone = r.out().lines().filter(l -> l.matches(
                "\\s*\\d+ (bf16 convolution|convolution|inner product)\\s+[0-9.]+\\s+[0-9.]+%\\s+[0-9.]+\\s+[0-9.]+\\s+[0-9.]+\\s+\\S.*")).count();
        assertTrue(r.out().contains("engine/floor"), r.out());
        assertTrue(r.out().matches("(?s).*floor onednn-fp32 batch 1: p50 [0-9.]+ ms/image, floor [0-9.]+ ms/image, ratio [0-9.]+x.*"), r.out());
        assertTrue(r.out().contains("BF16"), r.out()); // faster, SLOWER, or no native bf16: said either way
        assertTrue(r.out().contains("machine: "), r.out());
        String text = Files.readString(json);
        assertEquals(4, text.split("\"floor_ratio\"", -1).length - 1, "two results and two floor tables: " + text);
        assertTrue(text.contains("\"machine\": {"), text);
        assertTrue(timedAlone >= 2 * 54, "convolutions and the dense layer timed alone, hot and cold, both engines: " + timedAlone);
    }

    @Test
    void floorTableOfFp32AndInt8IsConsistentInTextAndJson(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("tiny.pb"), int8 = dir.resolve("tiny-int8.pb"), json = dir.resolve("bench.json");
        ResNet50Builder.write(ResNet50Builder.build(new ResNet50Spec(0.125, 32, 11, 3)).graph(), model);
        CliRun q = CliRun.of("quantize", "--model", model.toString(), "--calib", "synthetic:8", "--calib-size", "8",
                "--out", int8.toString());
        assertEquals(0, q.exitCode(), q.err());
        CliRun r = CliRun.of("bench", "--model", model.toString(), "--int8-model", int8.toString(), "--engines",
                "onednn-fp32,onednn-int8", "--batch", "1,2", "--seconds", "0.2", "--warmup", "0.05", "--slice", "0.05",
                "--floor", "--floor-runs", "3", "--json", json.toString());
        assertEquals(0, r.exitCode(), r.err());
        @SuppressWarnings("unchecked")
        Map<String, Object> report = (Map<String, Object>) io.qtune.Json.parse(Files.readString(json), "bench.json");
        List<?> results = (List<?>) report.get("results");
        List<?> floors = (List<?>) report.get("floors");
        assertEquals(4, floors.size(), "one floor table per engine and batch");
        assertEquals(4, r.out().lines().filter(l -> l.matches("floor steps [0-9.]+ ms/run in the chain vs [0-9.]+ alone "
                + "\\([+-][0-9.]+%\\), other steps [0-9.]+ ms/run in the chain vs [0-9.]+ alone")).count(), r.out());
        for (Object o : floors) {
            Map<?, ?> f = (Map<?, ?>) o;
            String engine = (String) f.get("engine");
            int batch = ((Number) f.get("batch")).intValue();
            List<?> steps = (List<?>) f.get("steps");
            double alone = 0, cold = 0, weightsCold = 0, weights = 0, primitivesInRun = 0, shares = 0;
            int floorSteps = 0, convolutions = 0, innerProducts = 0;
            for (Object so : steps) {
                Map<?, ?> s = (Map<?, ?>) so;
                String kind = (String) s.get("kind");
                double inRun = num(s, "in_run_ms");
                shares += num(s, "share");
                if (Boolean.TRUE.equals(s.get("primitive"))) primitivesInRun += inRun;
                double aloneMs = num(s, "alone_ms");
                assertTrue(aloneMs > 0 && Double.isFinite(aloneMs), "every step is timed alone: " + s);
                assertEquals(inRun / aloneMs, num(s, "run_over_alone"), 1e-9, s.toString());
                if (Boolean.TRUE.equals(s.get("in_floor"))) {
                    floorSteps++;
                    alone += num(s, "alone_ms");
                    double coldMs = num(s, "cold_ms");
                    assertTrue(coldMs > 0 && Double.isFinite(coldMs), "every floor step has a cold time: " + s);
                    cold += coldMs;
                    if (FLUSHES) {
                        double weightsColdMs = num(s, "weights_cold_ms");
                        assertTrue(weightsColdMs > 0 && Double.isFinite(weightsColdMs), "every floor step has a weights-cold time: " + s);
                        weightsCold += weightsColdMs;
                    }
                    assertTrue(num(s, "weight_bytes") > 0, "every floor step reads weights: " + s);
                    weights += num(s, "weight_bytes");
                    assertTrue(kind.endsWith("convolution") || kind.equals("inner product"), kind);
                } else {
                    assertEquals(null, s.get("cold_ms"), "a step outside the floor has no cold time: " + s);
                    assertEquals(null, s.get("weights_cold_ms"), "a step outside the floor has no weights-cold time: " + s);
                    assertEquals(0, num(s, "weight_bytes"), s.toString());
                    assertTrue(!kind.endsWith("convolution") && !kind.equals("inner product"), "only conv and matmul form the floor: " + s);
                }
                if (kind.equals(engine.equals("onednn-int8") ? "int8 convolution" : "convolution")) convolutions++;
                if (kind.equals("inner product")) innerProducts++;
            }
            String at = engine + " batch " + batch;
            assertEquals(53, convolutions, at + ": ResNet50's 53 convolutions run in the engine's precision");
            // the dense layer runs row by row (each image its batch-1 bits): one inner product per image
            assertEquals(batch, innerProducts, at);
            assertEquals(53 + batch, floorSteps, at + ": the convolutions and the dense layer are the floor");
            assertEquals(1.0, shares, 1e-9, at);
            assertEquals(alone, num(f, "floor_ms_per_run"), 1e-9, at + ": the floor is the sum of the steps alone");
            assertEquals(num(f, "engine_ms_per_run") / num(f, "floor_ms_per_run"), num(f, "engine_over_floor"), 1e-9, at);
            double onePass = num(f, "floor_round_ms_per_run");
            assertTrue(onePass > 0 && Double.isFinite(onePass), at + ": " + onePass);
            assertEquals(num(f, "engine_ms_per_run") / onePass, num(f, "engine_over_round_floor"), 1e-9, at);
            assertEquals(Math.max(0, num(f, "engine_ms_per_run") - primitivesInRun), num(f, "outside_primitives_ms_per_run"), 1e-9, at);
            assertEquals(num(f, "floor_ms_per_run") / batch, num(f, "floor_ms_per_image"), 1e-12, at);
            assertEquals(num(f, "p50_ms_per_image") / num(f, "floor_ms_per_image"), num(f, "floor_ratio"), 1e-9, at);
            assertEquals(cold, num(f, "floor_cold_ms_per_run"), 1e-9, at + ": the cold floor is the sum of the steps' cold times");
            assertEquals(num(f, "engine_ms_per_run") / cold, num(f, "engine_over_cold_floor"), 1e-9, at);
            assertEquals(cold / batch, num(f, "floor_cold_ms_per_image"), 1e-12, at);
            assertEquals(num(f, "p50_ms_per_image") / num(f, "floor_cold_ms_per_image"), num(f, "floor_cold_ratio"), 1e-9, at);
            if (FLUSHES) {
                assertEquals(weightsCold, num(f, "floor_weights_cold_ms_per_run"), 1e-9, at + ": the weights-cold floor is the sum of the steps'");
                assertEquals(num(f, "engine_ms_per_run") / weightsCold, num(f, "engine_over_weights_cold_floor"), 1e-9, at);
                assertEquals(weightsCold / batch, num(f, "floor_weights_cold_ms_per_image"), 1e-12, at);
                assertEquals(num(f, "p50_ms_per_image") / num(f, "floor_weights_cold_ms_per_image"), num(f, "floor_weights_cold_ratio"), 1e-9, at);
            }
            assertTrue(num(f, "eviction_bytes") >= 2 << 20, at + ": the caches are emptied with at least twice an L2: " + f);
            assertEquals(weights, num(f, "weight_bytes"), 0, at);
            assertTrue(num(f, "eviction_ms") > 0 && Double.isFinite(num(f, "eviction_ms")), at + ": the eviction was timed: " + f);
            Map<?, ?> result = results.stream().map(x -> (Map<?, ?>) x)
                    .filter(x -> engine.equals(x.get("engine")) && ((Number) x.get("batch")).intValue() == batch).findFirst().orElseThrow();
            assertEquals(num(result, "latency_ms_p50") / batch, num(f, "p50_ms_per_image"), 1e-9, at);
            assertEquals(num(f, "floor_ms_per_image"), num(result, "floor_ms_per_image"), 1e-12, at);
            assertEquals(num(f, "floor_ratio"), num(result, "floor_ratio"), 1e-12, at);
            assertEquals(num(f, "floor_cold_ms_per_image"), num(result, "floor_cold_ms_per_image"), 1e-12, at);
            assertEquals(num(f, "floor_cold_ratio"), num(result, "floor_cold_ratio"), 1e-12, at);
            if (FLUSHES) {
                assertEquals(num(f, "floor_weights_cold_ms_per_image"), num(result, "floor_weights_cold_ms_per_image"), 1e-12, at);
                assertEquals(num(f, "floor_weights_cold_ratio"), num(result, "floor_weights_cold_ratio"), 1e-12, at);
            } else {
                assertEquals(null, result.get("floor_weights_cold_ratio"), at + ": no weights-cold floor without the native library");
            }
            // the printed table says the same, to its three decimals
            String footer = String.format(java.util.Locale.ROOT, "engine %.3f ms/run (%.3f ms/image), floor %.3f ms/run (%.3f ms/image), "
                            + "engine/floor %.3fx, outside any primitive %.3f ms/run, cold floor %.3f ms/run (%.3f ms/image), "
                            + "engine/cold floor %.3fx", num(f, "engine_ms_per_run"),
                    num(f, "engine_ms_per_run") / batch, num(f, "floor_ms_per_run"), num(f, "floor_ms_per_image"),
                    num(f, "engine_over_floor"), num(f, "outside_primitives_ms_per_run"), num(f, "floor_cold_ms_per_run"),
                    num(f, "floor_cold_ms_per_image"), num(f, "engine_over_cold_floor"));
            assertTrue(r.out().contains(footer), footer + "\n" + r.out());
            String summary = String.format(java.util.Locale.ROOT, "floor %s batch %d: p50 %.3f ms/image, floor %.3f ms/image, "
                    + "ratio %.3fx, cold floor %.3f ms/image, ratio %.3fx", engine, batch, num(f, "p50_ms_per_image"),
                    num(f, "floor_ms_per_image"), num(f, "floor_ratio"), num(f, "floor_cold_ms_per_image"), num(f, "floor_cold_ratio"));
            if (FLUSHES) {
                summary += String.format(java.util.Locale.ROOT, ", weights-cold floor %.3f ms/image, ratio %.3fx",
                        num(f, "floor_weights_cold_ms_per_image"), num(f, "floor_weights_cold_ratio"));
            }
            assertTrue(r.out().lines().anyMatch(summary::equals), summary + "\n" + r.out());
            printedTableAddsUp(r.out(), engine, batch, steps, num(f, "floor_ms_per_run"), num(f, "floor_cold_ms_per_run"),
                    num(f, "floor_weights_cold_ms_per_run"), weights);
        }
    }

    @Test
    void profileGivesEachStepsTimeAndTheJavaTimeBetweenSteps(@TempDir Path dir) {
        Path model = dir.resolve("tiny.pb");
        ResNet50Builder.write(ResNet50Builder.build(new ResNet50Spec(0.125, 32, 11, 3)).graph(), model);
        CliRun r = CliRun.of("bench", "--model", model.toString(), "--engines", "onednn-fp32", "--batch", "1",
                "--seconds", "0.1", "--warmup", "0.05", "--slice", "0.05", "--profile");
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = r.out().lines().toList();
        int header = lines.indexOf(lines.stream().filter(l -> l.startsWith("profile of onednn-fp32, batch 1, 5 runs:")).findFirst().orElseThrow());
        assertTrue(lines.get(header + 1).matches("\\s*step\\s+step ms\\s+share\\s+java ms\\s+kind\\s+implementation\\s+node"), lines.get(header + 1));
        // every step in program order, then the breakdown of a run
        for (int i = 0; i < 58; i++) {
            assertTrue(lines.get(header + 2 + i).matches("\\s*" + i + "\\s+[0-9.]+\\s+[0-9.]+%\\s+[0-9.]+\\s+\\S.*"), lines.get(header + 2 + i));
        }
        assertTrue(lines.get(header + 2 + 57).contains(" argmax ") && lines.get(header + 2 + 57).contains(" java "), lines.get(header + 59));
        assertTrue(lines.get(header + 60).matches("per run: primitives [0-9.]+ ms, host steps [0-9.]+ ms, java between steps [0-9.]+ ms, "
                + "input copy [0-9.]+ ms, final wait [0-9.]+ ms; traced [0-9.]+ ms vs untraced run [0-9.]+ ms; output copy [0-9.]+ ms"),
                lines.get(header + 60));
    }

    @Test
    void instancesRunConcurrentlyAndTheirThroughputIsSummed(@TempDir Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "2 instances x 1 thread need 2 cores");
        Path model = dir.resolve("tiny.pb"), json = dir.resolve("bench.json");
        ResNet50Builder.write(ResNet50Builder.build(new ResNet50Spec(0.125, 32, 11, 3)).graph(), model);
        CliRun r = CliRun.of("bench", "--model", model.toString(), "--engines", "onednn-fp32", "--batch", "1,2",
                "--instances", "2", "--threads", "1", "--seconds", "0.2", "--warmup", "0.05", "--slice", "0.05", "--json", json.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("instances 2 x 1 threads"), r.out());
        @SuppressWarnings("unchecked")
        Map<String, Object> report = (Map<String, Object>) io.qtune.Json.parse(Files.readString(json), "bench.json");
        List<?> results = (List<?>) report.get("results");
        assertEquals(2, results.size());
        for (Object o : results) {
            Map<?, ?> res = (Map<?, ?>) o;
            assertEquals(2, ((Number) res.get("instances")).intValue());
            assertEquals(1, ((Number) res.get("threads_per_instance")).intValue());
            List<?> each = (List<?>) res.get("instance_images_per_second");
            assertEquals(2, each.size());
            double sum = each.stream().mapToDouble(v -> ((Number) v).doubleValue()).sum();
            assertTrue(each.stream().allMatch(v -> ((Number) v).doubleValue() > 0), res.toString());
            assertEquals(sum, num(res, "images_per_second"), 1e-9 * sum, "images/s is the instances' sum: " + res);
            assertTrue(r.out().contains(String.format(java.util.Locale.ROOT, "onednn-fp32 batch %d, 2 instances x 1 threads: %.2f + %.2f = %.2f images/s",
                    ((Number) res.get("batch")).intValue(), ((Number) each.get(0)).doubleValue(), ((Number) each.get(1)).doubleValue(), sum)), r.out());
        }
    }

    @Test
    void badInstanceLayoutsAreOneLineErrors(@TempDir Path dir) {
        Path model = dir.resolve("tiny.pb");
        ResNet50Builder.write(ResNet50Builder.build(new ResNet50Spec(0.125, 32, 11, 3)).graph(), model);
        int cores = Runtime.getRuntime().availableProcessors();
        String[][] bad = {{"--instances", "0"}, {"--threads", "0"}, {"--instances", "-2", "--threads", "1"},
                {"--instances", String.valueOf(cores + 1), "--threads", "1"}, {"--instances", "1", "--threads", String.valueOf(cores + 1)},
                {"--instances", "x"}};
        String[] expected = {"--instances must be at least 1, got 0", "--threads must be at least 1, got 0",
                "--instances must be at least 1, got -2", "more than the " + cores + " cores", "more than the " + cores + " cores",
                "--instances"};
        for (int i = 0; i < bad.length; i++) {
            List<String> args = new java.util.ArrayList<>(List.of("bench", "--model", model.toString(), "--engines", "onednn-fp32",
                    "--seconds", "0.1"));
            args.addAll(List.of(bad[i]));
            CliRun r = CliRun.of(args.toArray(String[]::new));
            assertEquals(2, r.exitCode(), String.join(" ", bad[i]) + ": " + r.out());
            assertTrue(r.err().startsWith("error: ") || r.err().contains("Invalid value"), r.err());
            assertTrue(r.err().contains(expected[i]), String.join(" ", bad[i]) + ": " + r.err());
            assertTrue(!r.out().contains("images/s"), "nothing ran: " + r.out());
        }
    }

    /**
     * The engine's printed table: a row per step of the JSON, its alone and cold columns those of the JSON to three
     * decimals, and the printed floor totals the sums of the printed columns (to their rounding).
     */
    private static void printedTableAddsUp(String out, String engine, int batch, List<?> steps, double floor, double cold,
                                           double weightsCold, double weightBytes) {
        List<String> lines = out.lines().toList();
        String head = engine + ", floor, batch " + batch + ", ";
        int at = lines.indexOf(lines.stream().filter(l -> l.startsWith(head)).findFirst().orElseThrow(() -> new AssertionError(head + "\n" + out)));
        assertTrue(lines.get(at).matches(java.util.regex.Pattern.quote(head) + "\\d+ threads, weights read "
                + java.util.regex.Pattern.quote(String.format(java.util.Locale.ROOT, "%.1f", weightBytes / 1e6))
                + " MB, cold after reading \\d+ MiB \\([0-9.]+ GB/s\\): " + steps.size() + " steps"), lines.get(at));
        assertTrue(lines.get(at + 1).matches("\\s*step\\s+kind\\s+in run ms\\s+share\\s+alone ms\\s+cold ms\\s+w-cold ms\\s+run/alone\\s+node"), lines.get(at + 1));
        java.util.regex.Pattern row = java.util.regex.Pattern.compile("\\s*(\\d+) (.+?)\\s+[0-9.]+\\s+[0-9.]+%\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s+\\S+  .*");
        double aloneSum = 0, coldSum = 0, weightsColdSum = 0, otherAloneSum = 0;
        int timed = 0, others = 0;
        for (int i = 0; i < steps.size(); i++) {
            String line = lines.get(at + 2 + i);
            java.util.regex.Matcher m = row.matcher(line);
            assertTrue(m.matches(), line);
            Map<?, ?> s = (Map<?, ?>) steps.get(i);
            assertEquals(i, Integer.parseInt(m.group(1)), line);
            double a = Double.parseDouble(m.group(3));
            assertEquals(num(s, "alone_ms"), a, 0.0005 + 1e-9, line);
            if (!Boolean.TRUE.equals(s.get("in_floor"))) {
                otherAloneSum += a;
                others++;
                assertEquals("-", m.group(4), line);
                assertEquals("-", m.group(5), line);
                continue;
            }
            timed++;
            double c = Double.parseDouble(m.group(4));
            assertEquals(num(s, "cold_ms"), c, 0.0005 + 1e-9, line);
            double w = FLUSHES ? Double.parseDouble(m.group(5)) : 0;
            if (FLUSHES) assertEquals(num(s, "weights_cold_ms"), w, 0.0005 + 1e-9, line);
            aloneSum += a;
            coldSum += c;
            weightsColdSum += w;
        }
        java.util.regex.Matcher totals = java.util.regex.Pattern.compile("engine .*, floor ([0-9.]+) ms/run .*, cold floor ([0-9.]+) ms/run .*")
                .matcher(lines.get(at + 2 + steps.size()));
        assertTrue(totals.matches(), lines.get(at + 2 + steps.size()));
        double rounding = 0.0005 * (timed + 1) + 1e-9;
        assertEquals(Double.parseDouble(totals.group(1)), aloneSum, rounding, "printed floor is the sum of the printed steps");
        assertEquals(Double.parseDouble(totals.group(2)), coldSum, rounding, "printed cold floor is the sum of the printed steps");
        assertEquals(floor, aloneSum, rounding);
        assertEquals(cold, coldSum, rounding);
        String gap = lines.stream().skip(at + 2 + steps.size()).filter(l -> l.startsWith("floor steps ")).findFirst().orElseThrow();
        java.util.regex.Matcher other = java.util.regex.Pattern.compile(".*, other steps [0-9.]+ ms/run in the chain vs ([0-9.]+) alone")
                .matcher(gap);
        assertTrue(other.matches(), gap);
        assertTrue(others > 0, "the steps outside the floor are timed alone too");
        assertEquals(Double.parseDouble(other.group(1)), otherAloneSum, 0.0005 * (others + 1) + 1e-9, gap);
        if (!FLUSHES) return;
        java.util.regex.Matcher weightsColdTotal = java.util.regex.Pattern.compile("weights-cold floor ([0-9.]+) ms/run .*")
                .matcher(lines.get(at + 3 + steps.size()));
        assertTrue(weightsColdTotal.matches(), lines.get(at + 3 + steps.size()));
        assertEquals(Double.parseDouble(weightsColdTotal.group(1)), weightsColdSum, rounding, "printed weights-cold floor is the sum");
        assertEquals(weightsCold, weightsColdSum, rounding);
    }

    private static double num(Map<?, ?> m, String key) {
        Object v = m.get(key);
        assertTrue(v instanceof Number, key + " in " + m);
        return ((Number) v).doubleValue();
    }

    @Test
    void benchesOnnxRuntimeBesideOnednnWithRatios(@TempDir Path dir) {
        Path model = dir.resolve("tiny.pb"), onnx = dir.resolve("tiny.onnx");
        ResNet50Builder.write(ResNet50Builder.build(new ResNet50Spec(0.125, 32, 11, 3)).graph(), model);
        CliRun e = CliRun.of("export", "--format", "onnx", "--model", model.toString(), "--out", onnx.toString());
        assertEquals(0, e.exitCode(), e.err());
        CliRun r = CliRun.of("bench", "--model", model.toString(), "--onnx-model", onnx.toString(), "--engines", "onednn-fp32,ort-fp32",
                "--batch", "1,2", "--seconds", "0.2", "--warmup", "0.05", "--slice", "0.05", "--profile");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("ONNX Runtime: intra-op "), r.out());
        assertTrue(r.out().contains("ratio onednn-fp32 / ort-fp32 at batch 1:"), r.out());
        assertTrue(r.out().contains("ratio onednn-fp32 / ort-fp32 at batch 2:"), r.out());
        assertTrue(r.out().contains("profile of ort-fp32, batch 2, 5 runs:"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.strip().startsWith("Conv ") || l.contains("FusedConv")), r.out());
    }

    @Test
    void ortEngineWithoutItsModelIsOneLineError(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("tiny.pb");
        ResNet50Builder.write(ResNet50Builder.build(new ResNet50Spec(0.125, 32, 11, 3)).graph(), model);
        CliRun r = CliRun.of("bench", "--model", model.toString(), "--engines", "ort-int8", "--seconds", "0.1");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("error: engine 'ort-int8' needs --onnx-int8-model FILE"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void unknownEngineIsOneLineError(@TempDir Path dir) {
        CliRun r = CliRun.of("bench", "--model", dir.resolve("missing.pb").toString(), "--engines", "onednn-fp64");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("error: unknown engine 'onednn-fp64' (known: onednn-fp32, tf-fp32, onednn-int8, tf-int8, onednn-bf16, tf-bf16, ort-fp32, ort-int8)"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void missingModelIsOneLineError(@TempDir Path dir) {
        CliRun r = CliRun.of("bench", "--model", dir.resolve("missing.pb").toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("missing.pb"), r.err());
    }
}
