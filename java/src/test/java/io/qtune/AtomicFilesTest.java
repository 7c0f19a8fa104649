package io.qtune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    private List<String> names() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aTempFileLeftByAKilledWriterIsRemovedByTheNextWrite() throws Exception {
        // a writer killed mid-write leaves .NAME.PID.RANDOM.tmp; a child that has exited gives a pid no process holds
        Process child = new ProcessBuilder("true").start();
        child.waitFor();
        long deadPid = child.pid();
        Path stale = Files.write(dir.resolve(".model.pb." + deadPid + ".123.tmp"), new byte[0]);
        Path mine = Files.write(dir.resolve(".model.pb." + ProcessHandle.current().pid() + ".456.tmp"), new byte[0]);
        Path other = Files.write(dir.resolve(".other.pb." + deadPid + ".1.tmp"), new byte[0]);
        AtomicFiles.write(dir.resolve("model.pb"), new byte[] {1, 2, 3});
        assertTrue(Files.notExists(stale), "stale temp of a dead writer removed");
        assertTrue(Files.exists(mine), "a live writer's temp file is left alone");
        assertTrue(Files.exists(other), "another file's temp is left alone");
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(dir.resolve("model.pb")));
    }

    @Test
    void refusesToReplaceALinkOrADeviceAndLeavesNoTempFile() throws Exception {
        Path target = Files.write(dir.resolve("real.pb"), new byte[] {7});
        Path link = Files.createSymbolicLink(dir.resolve("link.pb"), target);
        assertThrows(QtuneException.class, () -> AtomicFiles.write(link, new byte[] {1}));
        assertTrue(Files.isSymbolicLink(link));
        assertArrayEquals(new byte[] {7}, Files.readAllBytes(target));
        assertThrows(QtuneException.class, () -> AtomicFiles.write(Path.of("/dev/null"), new byte[] {1}));
        assertTrue(Files.readAttributes(Path.of("/dev/null"), java.nio.file.attribute.BasicFileAttributes.class).isOther(),
                "/dev/null is still a device");
        assertEquals(List.of("link.pb", "real.pb"), names());
    }

    @Test
    void aDirectoryTargetIsRefusedAndNothingIsLeftBehind() throws Exception {
        Path out = dir.resolve("out.pb");
        Files.createDirectories(out.resolve("inside"));
        assertThrows(QtuneException.class, () -> AtomicFiles.write(out, new byte[] {1}));
        assertEquals(List.of("out.pb"), names());
    }
}
