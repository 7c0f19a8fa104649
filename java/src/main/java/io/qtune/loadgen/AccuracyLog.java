package io.qtune.loadgen;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qtune.AtomicFiles;
import io.qtune.QtuneException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * LoadGen's {@code mlperf_log_accuracy.json}: a JSON array with one object per answered sample, {@code seq_id}
 * (the sample's sequence number in the run), {@code qsl_idx} (its index in the data set) and {@code data} (the
 * response's bytes in upper-case hex). A classifier's response is its ArgMax class as one little-endian float32,
 * the form NVIDIA's harness writes and {@code accuracy-imagenet.py --dtype float32} reads.
 */
public final class AccuracyLog {
    public static final String FILE_NAME = "mlperf_log_accuracy.json";
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    private AccuracyLog() {}

    public record Entry(int seqId, int qslIdx, byte[] data) {
        /** The first float32 of the data (little-endian): the predicted class of a classifier. */
        public float firstFloat() {
            if (data.length < 4) throw new QtuneException("seq_id " + seqId + ": data holds " + data.length + " bytes, fewer than one float32");
            return ByteBuffer.wrap(data, 0, 4).order(ByteOrder.LITTLE_ENDIAN).getFloat();
        }
    }

    /** The bytes of {@code values} as little-endian float32. */
    public static byte[] float32Bytes(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        return b.array();
    }

    /** Writes the log atomically, one entry per line, in the given order. */
    public static void write(Path file, List<Entry> entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
            g.writeStartArray();
            for (Entry e : entries) {
                g.writeRaw('\n');
                g.writeStartObject();
                g.writeNumberField("seq_id", e.seqId());
                g.writeNumberField("qsl_idx", e.qslIdx());
                g.writeStringField("data", HEX.formatHex(e.data()));
                g.writeEndObject();
            }
            g.writeRaw('\n');
            g.writeEndArray();
            g.writeRaw('\n');
        } catch (IOException e) {
            throw new QtuneException("cannot write the accuracy log " + file + ": " + e.getMessage(), e);
        }
        AtomicFiles.write(file, out.toByteArray());
    }

    /** Reads a log; a malformed file or entry is a one-line error naming the file and the entry. */
    public static List<Entry> read(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new QtuneException("accuracy log " + file + " does not exist");
        } catch (JsonProcessingException e) {
            throw new QtuneException(file + ": not valid JSON at line " + e.getLocation().getLineNr() + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new QtuneException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isArray()) throw new QtuneException(file + ": an accuracy log is a JSON array of {seq_id, qsl_idx, data}");
        List<Entry> entries = new ArrayList<>(root.size());
        for (int i = 0; i < root.size(); i++) {
            JsonNode e = root.get(i);
            String where = file + ": entry " + i;
            if (!e.isObject()) throw new QtuneException(where + " is not an object");
            int seq = intField(e, "seq_id", where), idx = intField(e, "qsl_idx", where);
            JsonNode d = e.get("data");
            if (d == null || !d.isTextual()) throw new QtuneException(where + " (seq_id " + seq + ") has no \"data\" hex string");
            byte[] bytes;
            try {
                bytes = HexFormat.of().parseHex(d.asText());
            } catch (IllegalArgumentException ex) {
                throw new QtuneException(where + " (seq_id " + seq + "): \"data\" is not hex: " + ex.getMessage());
            }
            entries.add(new Entry(seq, idx, bytes));
        }
        return entries;
    }

    private static int intField(JsonNode e, String name, String where) {
        JsonNode v = e.get(name);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 0) {
            throw new QtuneException(where + " has no non-negative integer \"" + name + "\"");
        }
        return v.asInt();
    }
}
