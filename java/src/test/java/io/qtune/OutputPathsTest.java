package io.qtune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputPathsTest {
    @TempDir
    Path dir;

    private static String refused(Runnable r, String part) {
        QtuneException e = assertThrows(QtuneException.class, r::run);
        assertTrue(e.getMessage().contains(part), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        return e.getMessage();
    }

    static Path fifo(Path p) throws Exception {
        return io.qtune.testing.HostileGraphs.fifo(p);
    }

    @Test
    void acceptsANewFileInANewFolderAndAnExistingRegularFile() throws Exception {
        OutputPaths.check("--out", dir.resolve("a/b/c.pb"));
        Path f = Files.writeString(dir.resolve("old.pb"), "x");
        OutputPaths.check("--out", f);
    }

    @Test
    void refusesDirectoriesDevicesFifosAndLinks() throws Exception {
        refused(() -> OutputPaths.check("--out", dir), "is a directory");
        refused(() -> OutputPaths.check("--out", Path.of("/dev/null")), "is a device, FIFO or socket");
        Path fifo = fifo(dir.resolve("fifo"));
        refused(() -> OutputPaths.check("--json", fifo), "--json " + fifo + " is a device, FIFO or socket");
        Path target = Files.writeString(dir.resolve("target.pb"), "keep");
        Path link = Files.createSymbolicLink(dir.resolve("link.pb"), target);
        refused(() -> OutputPaths.check("--out", link), "is a symbolic link");
        Path dangling = Files.createSymbolicLink(dir.resolve("dangling.pb"), dir.resolve("nowhere"));
        refused(() -> OutputPaths.check("--out", dangling), "is a symbolic link");
    }

    @Test
    void refusesAFolderThatIsAFile() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        refused(() -> OutputPaths.check("--save-plan", file.resolve("plan.json")), file + " is not a directory");
    }

    @Test
    void refusesAnInputAndTwoOutputsOnOneFile() throws Exception {
        Path model = Files.writeString(dir.resolve("model.pb"), "fp32");
        refused(() -> OutputPaths.check(List.of(new OutputPaths.Output("--out", model)), List.of(model)), "is an input of this run");
        Path hard = Files.createLink(dir.resolve("hard.pb"), model);
        refused(() -> OutputPaths.check(List.of(new OutputPaths.Output("--out", hard)), List.of(model)), "is an input of this run");
        Path out = dir.resolve("out.pb");
        refused(() -> OutputPaths.check(List.of(new OutputPaths.Output("--out", out), new OutputPaths.Output("--json", out)),
                List.of(model)), "--json " + out + " is also named for another output");
        assertEquals("fp32", Files.readString(model, StandardCharsets.UTF_8));
    }
}
