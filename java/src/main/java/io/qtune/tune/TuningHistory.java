package io.qtune.tune;

import io.qtune.Json;

import io.qtune.QtuneException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tuning trace in a work directory: {@code history.jsonl}, a header line naming the context (model, data, options
 * that change measurements) and one JSON line per trial, appended as each finishes. Rerunning the same command reads
 * it back and skips the trials it holds; a history made with another context is refused rather than mixed in.
 */
public final class TuningHistory {
    public static final String FILE = "history.jsonl";
    private final Path file;
    private final Map<String, Trial> done = new LinkedHashMap<>();

    private TuningHistory(Path file) {
        this.file = file;
    }

    /** No work directory: nothing is kept. */
    public static TuningHistory none() {
        return new TuningHistory(null);
    }

    @SuppressWarnings("unchecked")
    public static TuningHistory open(Path workdir, String context) {
        Path f = workdir.resolve(FILE);
        TuningHistory h = new TuningHistory(f);
        try {
            Files.createDirectories(workdir);
            if (!Files.exists(f)) {
                Files.writeString(f, Json.write(Map.of("context", context)) + "\n", StandardCharsets.UTF_8);
                return h;
            }
            List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
            if (lines.isEmpty()) {
                Files.writeString(f, Json.write(Map.of("context", context)) + "\n", StandardCharsets.UTF_8);
                return h;
            }
            Object head = Json.parse(lines.get(0), f + ":1");
            String was = head instanceof Map<?, ?> m ? (String) m.get("context") : null;
            if (!context.equals(was)) {
                throw io.qtune.InvalidSetting.mentioning(f + " was made with other options or inputs (" + was + ", now " + context
                        + "): use another ", "workdir", " or delete it");
            }
            for (int i = 1; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.isBlank()) continue;
                Trial t;
                try {
                    t = Trial.fromMap((Map<String, Object>) Json.parse(line, f + ":" + (i + 1)), f + ":" + (i + 1));
                } catch (QtuneException | ClassCastException e) {
                    if (i == lines.size() - 1) break; // a line cut short by a kill: that trial is simply redone
                    throw e;
                }
                // a later line for the same trial supersedes it (it adds a throughput measured after the accuracy)
                h.done.put(t.key(), t);
            }
            return h;
        } catch (IOException e) {
            throw new QtuneException("cannot use tuning history " + f + ": " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    public Trial lookup(String key) {
        return done.get(key);
    }

    public int size() {
        return done.size();
    }

    public synchronized void append(Trial t) {
        done.put(t.key(), t);
        if (file == null) return;
        try {
            Files.writeString(file, Json.write(t.toMap()) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.APPEND, StandardOpenOption.CREATE);
        } catch (IOException e) {
            throw new QtuneException("cannot append to tuning history " + file + ": " + e.getMessage(), e);
        }
    }

    public List<Trial> trials() {
        return new ArrayList<>(done.values());
    }
}
