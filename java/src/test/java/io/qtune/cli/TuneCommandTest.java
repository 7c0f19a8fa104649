package io.qtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.data.DebianFashionMnist;
import io.qtune.quant.CalibrationRun;
import io.qtune.data.BatchLoader;
import io.qtune.data.DataSpec;
import io.qtune.data.LabelOffset;
import io.qtune.data.LabeledImages;
import io.qtune.eval.Classifier;
import io.qtune.eval.Classifiers;
import io.qtune.eval.EvalResult;
import io.qtune.eval.Evaluator;
import io.qtune.zoo.ProxyModel;
import io.qtune.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TuneCommandTest {
    @TempDir
    Path dir;

    private CliRun tune(Path out, Path work) {
        // --max-trials 1 stops sensitivity after its first subset screen: nothing is confirmed, so the criterion is never met
        return CliRun.of("tune", "--calib-size", "50", "--eval-limit", "300", "--subset", "100", "--max-trials", "1",
                "--workdir", work.toString(), "--out", out.toString());
    }

    @Test
    @SuppressWarnings("unchecked")
    void criterionNotMetWritesEverythingWithExitCode4AndASecondRunResumes() throws Exception {
        DebianFashionMnist.assumeInstalled();
        Path out = dir.resolve("int8.pb"), work = dir.resolve("work");
        CliRun first = tune(out, work);
        assertEquals(4, first.exitCode(), first.err());
        assertTrue(first.out().contains("criterion NOT met"), first.out());
        for (String f : List.of("int8.pb", "int8.plan.json", "int8.tune.json", "int8.tune.html")) {
            assertTrue(Files.size(dir.resolve(f)) > 0, f);
        }
        Map<String, Object> r = (Map<String, Object>) Json.parse(Files.readString(dir.resolve("int8.tune.json")), "report");
        assertEquals("not-met", r.get("status"));
        assertTrue(String.valueOf(r.get("stop_reason")).contains("trial limit (1 new trials)"), String.valueOf(r.get("stop_reason")));
        assertEquals("top1", r.get("metric"));
        assertEquals(1, ((Number) ((Map<String, Object>) r.get("counts")).get("trials")).intValue());
        assertTrue(Files.readString(dir.resolve("int8.tune.html")).contains("not-met"));
        assertEquals(2, Files.readAllLines(work.resolve("history.jsonl")).size()); // header + one trial

        // the same command again: trial 1 comes from the history and does not count against --max-trials
        CliRun second = tune(out, work);
        assertEquals(4, second.exitCode(), second.err());
        assertTrue(second.out().contains("2 trials (0 full evaluations, 1 subset evaluations, 1 resumed)"), second.out());
        assertTrue(second.err().contains("(resumed)"), second.err());
        assertEquals(3, Files.readAllLines(work.resolve("history.jsonl")).size());
    }

    @Test
    @SuppressWarnings("unchecked")
    void theCriterionCanApplyToTop5() throws Exception {
        DebianFashionMnist.assumeInstalled();
        Path out = dir.resolve("int8.pb");
        CliRun run = CliRun.of("tune", "--metric", "top5", "--calib-size", "50", "--eval-limit", "300", "--subset", "100", "--max-trials", "1",
                "--out", out.toString());
        assertEquals(4, run.exitCode(), run.err());
        assertTrue(run.out().contains("FP32 top-5 "), run.out());
        Map<String, Object> r = (Map<String, Object>) Json.parse(Files.readString(dir.resolve("int8.tune.json")), "report");
        assertEquals("top5", r.get("metric"));
        double fp32 = ((Number) ((Map<String, Object>) r.get("fp32")).get("accuracy")).doubleValue();
        // the same 300 images (spread over the test set) evaluated here: the report's FP32 number is their top-5
        try (LabeledImages all = DataSpec.open("fashion-mnist:test", ProxyModel.IMAGE_SIZE);
             Classifier c = Classifiers.open((String) r.get("runtime"), ProxyModel.file(), 1)) {
            int[] idx = CalibrationRun.pick(all.size(), 300);
            LabeledImages spread = new LabeledImages() {
                @Override public int size() { return idx.length; }
                @Override public int height() { return all.height(); }
                @Override public int width() { return all.width(); }
                @Override public int numLabels() { return all.numLabels(); }
                @Override public int label(int i) { return all.label(idx[i]); }
                @Override public String id(int i) { return all.id(idx[i]); }
                @Override public void load(int i, float[] dst, int o) { all.load(idx[i], dst, o); }
            };
            EvalResult e = new Evaluator(100, BatchLoader.Options.defaults()).evaluate(c, spread,
                    LabelOffset.forDataset(spread, c.classes(), OptionalInt.empty()), 0, n -> {});
            assertEquals(e.top5(), fp32);
            assertTrue(e.top5() > e.top1(), "top-5 and top-1 differ on these images, so the test tells them apart");
        }
        double threshold = ((Number) r.get("threshold")).doubleValue();
        assertEquals(fp32 * (1 - 0.01), threshold, 1e-15);
    }

    @Test
    void settingErrorsNameTheCommandsFlags() {
        Path out = dir.resolve("x.pb");
        CliRun r = CliRun.of("tune", "--calib-size", "0", "--out", out.toString());
        assertEquals(2, r.exitCode());
        assertEquals("error: --calib-size must be at least 1, got 0", r.err().strip());
        r = CliRun.of("tune", "--strategy", "random", "--out", out.toString());
        assertTrue(r.err().contains("error: --strategy must be basic or sensitivity, got 'random'"), r.err());
        r = CliRun.of("tune", "--metric", "top3", "--out", out.toString());
        assertTrue(r.err().contains("error: --metric must be top1 or top5, got 'top3'"), r.err());
        r = CliRun.of("tune", "--time-budget", "soon", "--out", out.toString());
        assertTrue(r.err().contains("error: --time-budget 'soon': use e.g. 90s"), r.err());
        r = CliRun.of("tune", "--criterion", "relative", "--out", out.toString());
        assertTrue(r.err().contains("error: --criterion 'relative' has no ':'"), r.err());
        r = CliRun.of("tune", "--weight-range", "7bit,9bit", "--out", out.toString());
        assertEquals("error: --weight-range must be 7bit or 8bit, got '9bit'", r.err().strip());
        r = CliRun.of("tune", "--weight-range", "8bit,8bit", "--out", out.toString());
        assertEquals("error: --weight-range must name 7bit and/or 8bit, each once, got 8bit,8bit", r.err().strip());
        assertFalse(Files.exists(out), "nothing written on error");
    }
}
