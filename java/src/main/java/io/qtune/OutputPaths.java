package io.qtune;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * The one check every command makes on its output paths before it starts work, so a bad path fails in a second
 * rather than after an hour of calibration, and an output can never replace something it should not.
 *
 * <p>An output path must name a regular file or nothing yet; its folder must exist or be creatable, and be writable.
 * Refused: a directory, a device, FIFO or socket, a <b>symbolic link</b> (refused, not resolved: writing through a
 * link would replace the link or its target depending on the tool; give the real path instead), an input of the run
 * (the model, a data file), and two outputs of one run that are the same file.
 */
public final class OutputPaths {
    private OutputPaths() {}

    /** One output: the option that named it (for the message) and the path. */
    public record Output(String option, Path path) {}

    /** Checks each non-null output against the rules above; inputs that are null or missing are ignored. */
    public static void check(List<Output> outputs, List<Path> inputs) {
        List<Path> seen = new ArrayList<>();
        for (Output o : outputs) {
            if (o.path() == null) continue;
            check(o.option(), o.path());
            Path abs = o.path().toAbsolutePath().normalize();
            for (Path in : inputs) {
                if (in != null && sameFile(abs, in)) {
                    throw refused(o.option(), o.path() + " is an input of this run (" + in + "): choose another output path");
                }
            }
            for (Path other : seen) {
                if (other.equals(abs)) throw refused(o.option(), o.path() + " is also named for another output of this run");
            }
            seen.add(abs);
        }
    }

    /** An {@link InvalidSetting} naming the output's setting, so the CLI can say its flag (out -> --out). */
    private static InvalidSetting refused(String option, String problem) {
        return new InvalidSetting(option, problem);
    }

    /** Checks one output path (see the class comment); {@code option} names it in the message, e.g. "--out". */
    public static void check(String option, Path out) {
        String what = out.toString();
        BasicFileAttributes a = attributes(out);
        if (a != null) {
            if (a.isSymbolicLink()) {
                throw refused(option, what + " is a symbolic link; qtune does not write through links: give the real path");
            }
            if (a.isDirectory()) throw refused(option, what + " is a directory: give a file name");
            if (!a.isRegularFile()) throw refused(option, what + " is a device, FIFO or socket, not a regular file: give a file path");
            if (!Files.isWritable(out)) throw refused(option, what + " exists and is not writable");
        }
        Path dir = out.toAbsolutePath().getParent();
        while (dir != null && attributes(dir) == null) dir = dir.getParent();
        if (dir == null) throw refused(option, what + ": no existing folder above it");
        if (!Files.isDirectory(dir)) throw refused(option, what + ": " + dir + " is not a directory");
        if (!Files.isWritable(dir)) throw refused(option, what + ": folder " + dir + " is not writable");
    }

    /** True when the existing file {@code out} is the same file as {@code in} (through links, hard links too). */
    static boolean sameFile(Path out, Path in) {
        try {
            return Files.exists(out) && Files.exists(in) && Files.isSameFile(out, in);
        } catch (IOException e) {
            return false;
        }
    }

    private static BasicFileAttributes attributes(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return null;
        }
    }
}
