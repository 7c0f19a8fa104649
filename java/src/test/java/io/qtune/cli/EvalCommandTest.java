package io.qtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.qtune.data.FashionMnist;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalCommandTest {
    @TempDir
    Path dir;

    @Test
    void evaluatesTheEmbeddedDefaultAndWritesJson() throws Exception {
        assumeTrue(FashionMnist.debianFilesPresent(), "needs Debian's dataset-fashion-mnist");
        Path json = dir.resolve("eval.json");
        CliRun r = CliRun.of("eval", "--limit", "500", "--json", json.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("label offset 1"), r.out());
        String j = Files.readString(json);
        assertTrue(j.matches("\\{\"top1\":0\\.9\\d+,\"top5\":[01]\\.\\d+,\"count\":500,\"images_per_second\":[0-9.]+,\"machine\":\\{.*}}\\n"), j);
        // the figure names its machine: the oneDNN ISA and the wait policy are there, as the header printed them
        var machine = io.qtune.platform.Machine.current();
        assertTrue(j.contains("\"onednn_isa\":\"" + machine.onednnIsa() + "\""), j);
        assertTrue(r.out().contains("oneDNN ISA " + machine.onednnIsa()), r.out());
        assertTrue(j.contains("\"wait_policy\":"), j);
    }

    @Test
    void wrongLabelOffsetAndBadSpecsAreClearErrors() {
        CliRun r = CliRun.of("eval", "--limit", "10", "--label-offset", "5");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--label-offset"), r.err());
        r = CliRun.of("eval", "--data", "cifar:/tmp");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("unknown data set 'cifar'"), r.err());
        r = CliRun.of("eval", "--data", "imagenet:" + dir.resolve("nope"));
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("is not a directory"), r.err());
        r = CliRun.of("eval", "--engine", "torch", "--limit", "1");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("unknown engine 'torch'"), r.err());
    }
}
