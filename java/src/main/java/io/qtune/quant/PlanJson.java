package io.qtune.quant;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.qtune.Json;
import io.qtune.QtuneException;
import io.qtune.calib.TensorRange;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The JSON form of a {@link QuantPlan}, through Jackson with fixed bytes: keys sorted, two-space indent, '\n' line
 * ends, and floats in the shortest decimal that reads back as the same float (found with BigDecimal, whose arithmetic
 * is exactly specified, so the text does not depend on the JDK's float printing). Reading is strict: unknown or
 * missing fields, duplicate keys and malformed JSON are errors naming the source, line and field. Jackson's tree has
 * no positions, so a first streaming pass records where each value and key starts, by JSON pointer, and the
 * verbatim text of each number (a float read through a double could round twice).
 *
 * <pre>
 * {
 *   "format": "qtune.quant-plan",
 *   "ops": {
 *     "resnet_model/conv2d/Conv2D": {
 *       "activation_algorithm": "kl",
 *       "precision": "INT8",
 *       "weight_granularity": "PER_CHANNEL",
 *       "weight_range": "7bit"
 *     }
 *   },
 *   "ranges": {
 *     "resnet_model/Relu:0": {
 *       "max": 6.5,
 *       "min": 0
 *     }
 *   },
 *   "version": 1
 * }
 * </pre>
 */
final class PlanJson {
    static final String FORMAT = "qtune.quant-plan";

    private PlanJson() {}

    // ------------------------------------------------------------------ writing

    static String write(QuantPlan plan) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = Json.factory().createGenerator(w)) {
            g.setPrettyPrinter(Json.indented());
            g.writeStartObject();
            g.writeStringField("format", FORMAT);
            g.writeObjectFieldStart("ops");
            for (Map.Entry<String, OpPlan> e : plan.ops().entrySet()) {
                OpPlan op = e.getValue();
                g.writeObjectFieldStart(e.getKey());
                g.writeStringField("activation_algorithm", op.activationAlgorithm());
                g.writeStringField("precision", op.precision().name());
                g.writeStringField("weight_granularity", op.weights().name());
                g.writeStringField("weight_range", op.weightRange().spec());
                g.writeEndObject();
            }
            g.writeEndObject();
            g.writeObjectFieldStart("ranges");
            for (Map.Entry<String, TensorRange> e : plan.ranges().entrySet()) {
                g.writeObjectFieldStart(e.getKey());
                g.writeFieldName("max");
                g.writeNumber(formatFloat(e.getValue().max()));
                g.writeFieldName("min");
                g.writeNumber(formatFloat(e.getValue().min()));
                g.writeEndObject();
            }
            g.writeEndObject();
            g.writeNumberField("version", QuantPlan.FORMAT_VERSION);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return w + "\n";
    }

    /** The shortest decimal (fewest significant digits, ties to even) that parses back to exactly {@code f}. */
    static String formatFloat(float f) {
        if (!Float.isFinite(f)) throw new QtuneException("quant plan: cannot write the non-finite value " + f);
        if (f == 0f) return Float.floatToRawIntBits(f) == 0 ? "0" : "-0.0";
        BigDecimal exact = new BigDecimal(f);
        BigDecimal d = exact;
        for (int digits = 1; digits <= 9; digits++) { // 9 significant digits always identify a float
            d = exact.round(new MathContext(digits, RoundingMode.HALF_EVEN));
            if (Float.parseFloat(d.toString()) == f) break;
        }
        d = d.stripTrailingZeros();
        BigDecimal abs = d.abs();
        boolean plain = abs.compareTo(new BigDecimal("1e-6")) >= 0 && abs.compareTo(new BigDecimal("1e9")) < 0;
        return plain ? d.toPlainString() : d.toString(); // BigDecimal's scientific form ("1.5E-7") is valid JSON
    }

    // ------------------------------------------------------------------ reading

    static QuantPlan read(String text, String source) {
        if (text.startsWith("\uFEFF")) text = text.substring(1);
        Reader r = new Reader(source, Positions.scan(text, source));
        JsonNode top;
        try {
            top = Json.mapper().readTree(text);
        } catch (JsonProcessingException e) { // the scan saw the same text and would have thrown first
            throw r.fail(e.getLocation(), Json.firstLine(e.getOriginalMessage()));
        }
        JsonPointer root = JsonPointer.empty();
        r.object(top, root, "the plan");
        r.onlyFields(top, root, "the plan", Set.of("format", "ops", "ranges", "version"));
        JsonPointer formatAt = root.appendProperty("format");
        String format = r.string(r.field(top, root, null, "format"), formatAt, "format");
        if (!format.equals(FORMAT)) throw r.error(formatAt, "format: expected \"" + FORMAT + "\", found \"" + format + "\"");
        JsonPointer versionAt = root.appendProperty("version");
        int version = r.integer(r.field(top, root, null, "version"), versionAt, "version");
        if (version != QuantPlan.FORMAT_VERSION) {
            throw r.error(versionAt, "version: this qtune reads version " + QuantPlan.FORMAT_VERSION + ", the plan is version " + version);
        }
        QuantPlan plan = QuantPlan.empty();
        JsonPointer opsAt = root.appendProperty("ops");
        JsonNode ops = r.object(r.field(top, root, null, "ops"), opsAt, "ops");
        for (Iterator<Map.Entry<String, JsonNode>> it = ops.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            plan = plan.withOp(e.getKey(), r.opPlan(e.getValue(), opsAt.appendProperty(e.getKey()), "ops." + Json.quote(e.getKey())));
        }
        JsonPointer rangesAt = root.appendProperty("ranges");
        JsonNode ranges = r.object(r.field(top, root, null, "ranges"), rangesAt, "ranges");
        for (Iterator<Map.Entry<String, JsonNode>> it = ranges.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            plan = plan.withRange(e.getKey(), r.range(e.getValue(), rangesAt.appendProperty(e.getKey()), "ranges." + Json.quote(e.getKey())));
        }
        return plan;
    }

    /** Where each value and key starts (line, column), and each number's text, by JSON pointer. */
    private record Positions(Map<JsonPointer, int[]> values, Map<JsonPointer, int[]> keys, Map<JsonPointer, String> numbers) {
        static Positions scan(String text, String source) {
            Positions at = new Positions(new HashMap<>(), new HashMap<>(), new HashMap<>());
            try (JsonParser p = Json.factory().createParser(text)) {
                try {
                    at.record(p, source);
                } catch (JsonProcessingException e) { // a limit breached has no location of its own: where the parser is
                    JsonLocation l = e.getLocation() != null ? e.getLocation() : p.currentLocation();
                    throw at.fail(source, l.getLineNr(), l.getColumnNr(), Json.firstLine(e.getOriginalMessage()));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e); // reading a String does not fail
            }
            return at;
        }

        private void record(JsonParser p, String source) throws IOException {
            JsonToken t = p.nextToken();
            if (t == null) throw fail(source, 1, 1, "unexpected end of the plan, expected a value");
            int depth = 0;
            for (; t != null; t = p.nextToken()) {
                JsonLocation l = p.currentTokenLocation();
                int[] lc = {l.getLineNr(), l.getColumnNr()};
                if (depth == 0 && !values.isEmpty()) throw fail(source, lc[0], lc[1], "unexpected " + p.getText() + " after the end of the plan");
                switch (t) {
                    case FIELD_NAME -> {
                        if (keys.put(p.getParsingContext().pathAsPointer(), lc) != null) {
                            throw fail(source, lc[0], lc[1], "duplicate key " + Json.quote(p.currentName()));
                        }
                    }
                    case START_OBJECT, START_ARRAY -> {
                        values.put(p.getParsingContext().getParent().pathAsPointer(), lc);
                        depth++;
                    }
                    case END_OBJECT, END_ARRAY -> depth--;
                    default -> {
                        JsonPointer ptr = p.getParsingContext().pathAsPointer();
                        values.put(ptr, lc);
                        if (t.isNumeric()) numbers.put(ptr, p.getText());
                    }
                }
            }
        }

        QtuneException fail(String source, int line, int column, String message) {
            return new QtuneException("quant plan " + source + ": line " + line + ", column " + column + ": " + message);
        }
    }

    /** The checks of the plan's schema, each failure naming the line, column and field. */
    private record Reader(String source, Positions at) {
        QtuneException error(JsonPointer ptr, String message) {
            return place(at.values().get(ptr), message);
        }

        QtuneException fail(JsonLocation l, String message) {
            return place(l == null ? null : new int[] {l.getLineNr(), l.getColumnNr()}, message);
        }

        private QtuneException place(int[] lc, String message) {
            return at.fail(source, lc == null ? 0 : lc[0], lc == null ? 0 : lc[1], message);
        }

        OpPlan opPlan(JsonNode node, JsonPointer ptr, String path) {
            object(node, ptr, path);
            onlyFields(node, ptr, path, Set.of("activation_algorithm", "precision", "weight_granularity", "weight_range"));
            JsonPointer pAt = ptr.appendProperty("precision"), wAt = ptr.appendProperty("weight_granularity");
            JsonPointer aAt = ptr.appendProperty("activation_algorithm");
            Precision p = enumValue(field(node, ptr, path, "precision"), pAt, path + ".precision", Precision.class);
            WeightGranularity w = enumValue(field(node, ptr, path, "weight_granularity"), wAt, path + ".weight_granularity", WeightGranularity.class);
            String algorithm = string(field(node, ptr, path, "activation_algorithm"), aAt, path + ".activation_algorithm");
            // plans written before qtune had 7-bit weights say nothing: they were quantized with all of qint8
            WeightRange range = WeightRange.EIGHT_BIT;
            if (node.has("weight_range")) {
                JsonPointer rAt = ptr.appendProperty("weight_range");
                String spec = string(node.get("weight_range"), rAt, path + ".weight_range");
                try {
                    range = WeightRange.parse(spec);
                } catch (QtuneException ex) {
                    throw error(rAt, path + ".weight_range: must be 7bit or 8bit, found \"" + spec + "\"");
                }
            }
            try {
                return new OpPlan(p, w, range, algorithm);
            } catch (QtuneException ex) {
                throw error(aAt, path + ".activation_algorithm: " + ex.getMessage());
            }
        }

        TensorRange range(JsonNode node, JsonPointer ptr, String path) {
            object(node, ptr, path);
            onlyFields(node, ptr, path, Set.of("min", "max"));
            field(node, ptr, path, "min");
            field(node, ptr, path, "max");
            float min = floatValue(node.get("min"), ptr.appendProperty("min"), path + ".min");
            float max = floatValue(node.get("max"), ptr.appendProperty("max"), path + ".max");
            if (min > max) throw error(ptr, path + ": min " + min + " is above max " + max);
            return new TensorRange(min, max);
        }

        JsonNode object(JsonNode n, JsonPointer ptr, String path) {
            if (n.isObject()) return n;
            throw error(ptr, path + ": expected an object, found " + kind(n));
        }

        JsonNode field(JsonNode obj, JsonPointer ptr, String path, String name) {
            JsonNode n = obj.get(name);
            if (n == null) throw error(ptr, (path == null ? "" : path + ": ") + "missing field \"" + name + "\"");
            return n;
        }

        void onlyFields(JsonNode obj, JsonPointer ptr, String path, Set<String> allowed) {
            for (Iterator<String> names = obj.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!allowed.contains(name)) {
                    throw place(at.keys().get(ptr.appendProperty(name)), path + ": unknown field " + Json.quote(name)
                            + " (expected " + String.join(", ", new TreeSet<>(allowed)) + ")");
                }
            }
        }

        String string(JsonNode n, JsonPointer ptr, String path) {
            if (n.isTextual()) return n.textValue();
            throw error(ptr, path + ": expected a string, found " + kind(n));
        }

        <E extends Enum<E>> E enumValue(JsonNode n, JsonPointer ptr, String path, Class<E> type) {
            String s = string(n, ptr, path);
            List<String> names = new ArrayList<>();
            for (E e : type.getEnumConstants()) {
                if (e.name().equals(s)) return e;
                names.add(e.name());
            }
            throw error(ptr, path + ": unknown value \"" + s + "\" (expected one of " + String.join(", ", names) + ")");
        }

        float floatValue(JsonNode n, JsonPointer ptr, String path) {
            if (!n.isNumber()) throw error(ptr, path + ": expected a number, found " + kind(n));
            String text = at.numbers().get(ptr);
            float f = Float.parseFloat(text); // from the verbatim digits: correctly rounded once
            if (!Float.isFinite(f)) throw error(ptr, path + ": " + text + " is beyond the float range");
            return f;
        }

        int integer(JsonNode n, JsonPointer ptr, String path) {
            String text = at.numbers().get(ptr);
            if (n.isNumber() && text.matches("-?[0-9]{1,9}")) return Integer.parseInt(text);
            throw error(ptr, path + ": expected an integer, found " + kind(n));
        }

        private static String kind(JsonNode n) {
            return switch (n.getNodeType()) {
                case OBJECT -> "an object";
                case ARRAY -> "an array";
                case STRING -> "a string";
                case NUMBER -> "a number";
                case BOOLEAN -> n.booleanValue() ? "true" : "false";
                case NULL -> "null";
                default -> n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
            };
        }
    }
}
