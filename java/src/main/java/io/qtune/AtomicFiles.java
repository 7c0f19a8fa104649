package io.qtune;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Writes a file so readers see either the old content or the complete new one: temp file in the folder, then rename.
 * The temp file is {@code .NAME.PID.RANDOM.tmp}; one left by a process that no longer runs (killed mid-write) is
 * removed by the next write of the same file.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /**
     * Writes {@code content} to {@code out}, creating folders as needed; the target must pass
     * {@link OutputPaths#check(String, Path)} (no link, device or directory is ever replaced). A failure of any kind
     * leaves no temp file behind.
     */
    public static void write(Path out, byte[] content) {
        write(out, stream -> stream.write(content));
    }

    /** Writes what {@code content} puts into a stream (a large file need not be in memory at once). */
    public interface Content {
        void writeTo(java.io.OutputStream out) throws IOException;
    }

    /** As {@link #write(Path, byte[])}, the content streamed into the temp file. */
    public static void write(Path out, Content content) {
        OutputPaths.check("output", out);
        Path target = out.toAbsolutePath();
        Path dir = target.getParent();
        Path tmp = null;
        boolean moved = false;
        try {
            if (dir != null) Files.createDirectories(dir);
            removeStaleTemps(dir, target.getFileName().toString());
            tmp = Files.createTempFile(dir, tempPrefix(target.getFileName().toString()), ".tmp");
            try (java.io.OutputStream stream = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                content.writeTo(stream);
            }
            keepPermissions(tmp, target);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } catch (IOException e) {
            throw new QtuneException("cannot write " + out + ": " + e, e);
        } finally {
            // every failure path (I/O error, out of memory, an interrupt) removes the temp file
            if (!moved && tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original error is the one to report
                }
            }
        }
    }

    private static String tempPrefix(String name) {
        return "." + name + "." + ProcessHandle.current().pid() + ".";
    }

    /** Removes {@code .NAME.PID.*.tmp} files whose writer process is gone. */
    static void removeStaleTemps(Path dir, String name) {
        if (dir == null) return;
        String prefix = "." + name + ".";
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, p -> {
            String f = p.getFileName().toString();
            return f.startsWith(prefix) && f.endsWith(".tmp");
        })) {
            for (Path p : s) {
                String rest = p.getFileName().toString().substring(prefix.length());
                int dot = rest.indexOf('.');
                if (dot <= 0) continue;
                long pid;
                try {
                    pid = Long.parseLong(rest.substring(0, dot));
                } catch (NumberFormatException e) {
                    continue;
                }
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) continue;
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // a stale temp file is harmless (hidden, never read); cleaning it is a courtesy
        }
    }

    /** Temp files are created owner-only; give the result the replaced file's mode, or rw-r--r-- when new. */
    private static void keepPermissions(Path tmp, Path target) throws IOException {
        if (!tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) return;
        Set<PosixFilePermission> mode = Files.exists(target)
                ? Files.getPosixFilePermissions(target)
                : PosixFilePermissions.fromString("rw-r--r--");
        Files.setPosixFilePermissions(tmp, mode);
    }
}
