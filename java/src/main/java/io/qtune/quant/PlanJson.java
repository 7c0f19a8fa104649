package io.qtune.quant;

import io.qtune.QtuneException;
import io.qtune.calib.TensorRange;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The JSON form of a {@link QuantPlan}, hand-written so that the bytes are fixed: keys sorted, two-space indent,
 * '\n' line ends, and floats in the shortest decimal that reads back as the same float (found with BigDecimal, whose
 * arithmetic is exactly specified, so the text does not depend on the JDK's float printing). Reading is strict:
 * unknown or missing fields, duplicate keys and malformed JSON are errors naming the source, line and field.
 *
 * <pre>
 * {
 *   "format": "qtune.quant-plan",
 *   "ops": {
 *     "resnet_model/conv2d/Conv2D": {
 *       "activation_algorithm": "kl",
 *       "precision": "INT8",
 *       "weight_granularity": "PER_CHANNEL"
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
        StringBuilder b = new StringBuilder();
        b.append("{\n");
        b.append("  \"format\": ").append(quote(FORMAT)).append(",\n");
        b.append("  \"ops\": {");
        int i = 0;
        for (Map.Entry<String, OpPlan> e : plan.ops().entrySet()) {
            OpPlan op = e.getValue();
            b.append(i++ == 0 ? "\n" : ",\n");
            b.append("    ").append(quote(e.getKey())).append(": {\n");
            b.append("      \"activation_algorithm\": ").append(quote(op.activationAlgorithm())).append(",\n");
            b.append("      \"precision\": ").append(quote(op.precision().name())).append(",\n");
            b.append("      \"weight_granularity\": ").append(quote(op.weights().name())).append("\n");
            b.append("    }");
        }
        b.append(i == 0 ? "},\n" : "\n  },\n");
        b.append("  \"ranges\": {");
        i = 0;
        for (Map.Entry<String, TensorRange> e : plan.ranges().entrySet()) {
            b.append(i++ == 0 ? "\n" : ",\n");
            b.append("    ").append(quote(e.getKey())).append(": {\n");
            b.append("      \"max\": ").append(formatFloat(e.getValue().max())).append(",\n");
            b.append("      \"min\": ").append(formatFloat(e.getValue().min())).append("\n");
            b.append("    }");
        }
        b.append(i == 0 ? "},\n" : "\n  },\n");
        b.append("  \"version\": ").append(QuantPlan.FORMAT_VERSION).append("\n");
        b.append("}\n");
        return b.toString();
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

    static String quote(String s) {
        return io.qtune.Json.quote(s);
    }

    // ------------------------------------------------------------------ reading

    static QuantPlan read(String text, String source) {
        Node root = new Parser(text, source).document();
        Obj top = root.object(source, "the plan");
        top.onlyFields(source, "the plan", Set.of("format", "ops", "ranges", "version"));
        String format = top.field(source, "format").string(source, "format");
        if (!format.equals(FORMAT)) {
            throw top.field(source, "format").error(source, "format: expected \"" + FORMAT + "\", found \"" + format + "\"");
        }
        Node versionNode = top.field(source, "version");
        int version = versionNode.integer(source, "version");
        if (version != QuantPlan.FORMAT_VERSION) {
            throw versionNode.error(source, "version: this qtune reads version " + QuantPlan.FORMAT_VERSION + ", the plan is version " + version);
        }
        QuantPlan plan = QuantPlan.empty();
        Obj ops = top.field(source, "ops").object(source, "ops");
        for (Map.Entry<String, Node> e : ops.fields.entrySet()) {
            String path = "ops." + quote(e.getKey());
            Obj op = e.getValue().object(source, path);
            op.onlyFields(source, path, Set.of("activation_algorithm", "precision", "weight_granularity"));
            Node pn = op.field(source, path, "precision");
            Node wn = op.field(source, path, "weight_granularity");
            Node an = op.field(source, path, "activation_algorithm");
            Precision p = pn.enumValue(source, path + ".precision", Precision.class);
            WeightGranularity w = wn.enumValue(source, path + ".weight_granularity", WeightGranularity.class);
            String algorithm = an.string(source, path + ".activation_algorithm");
            OpPlan opPlan;
            try {
                opPlan = new OpPlan(p, w, algorithm);
            } catch (QtuneException ex) {
                throw an.error(source, path + ".activation_algorithm: " + ex.getMessage());
            }
            plan = plan.withOp(e.getKey(), opPlan);
        }
        Obj ranges = top.field(source, "ranges").object(source, "ranges");
        for (Map.Entry<String, Node> e : ranges.fields.entrySet()) {
            String path = "ranges." + quote(e.getKey());
            Obj r = e.getValue().object(source, path);
            r.onlyFields(source, path, Set.of("min", "max"));
            float min = r.field(source, path, "min").floatValue(source, path + ".min");
            float max = r.field(source, path, "max").floatValue(source, path + ".max");
            if (min > max) throw r.error(source, path + ": min " + min + " is above max " + max);
            plan = plan.withRange(e.getKey(), new TensorRange(min, max));
        }
        return plan;
    }

    /** A parsed JSON value and where it starts. */
    private abstract static class Node {
        final int line, column;

        Node(int line, int column) {
            this.line = line;
            this.column = column;
        }

        abstract String kind();

        QtuneException error(String source, String message) {
            return new QtuneException("quant plan " + source + ": line " + line + ", column " + column + ": " + message);
        }

        Obj object(String source, String path) {
            if (this instanceof Obj o) return o;
            throw error(source, path + ": expected an object, found " + kind());
        }

        String string(String source, String path) {
            if (this instanceof Str s) return s.value;
            throw error(source, path + ": expected a string, found " + kind());
        }

        <E extends Enum<E>> E enumValue(String source, String path, Class<E> type) {
            String s = string(source, path);
            for (E e : type.getEnumConstants()) {
                if (e.name().equals(s)) return e;
            }
            List<String> names = new ArrayList<>();
            for (E e : type.getEnumConstants()) names.add(e.name());
            throw error(source, path + ": unknown value \"" + s + "\" (expected one of " + String.join(", ", names) + ")");
        }

        float floatValue(String source, String path) {
            if (!(this instanceof Num n)) throw error(source, path + ": expected a number, found " + kind());
            float f = Float.parseFloat(n.text);
            if (!Float.isFinite(f)) throw error(source, path + ": " + n.text + " is beyond the float range");
            return f;
        }

        int integer(String source, String path) {
            if (this instanceof Num n && n.text.matches("-?[0-9]{1,9}")) return Integer.parseInt(n.text);
            throw error(source, path + ": expected an integer, found " + kind());
        }
    }

    private static final class Obj extends Node {
        final Map<String, Node> fields = new LinkedHashMap<>();
        final Map<String, int[]> keyPositions = new LinkedHashMap<>();

        Obj(int line, int column) {
            super(line, column);
        }

        @Override
        String kind() {
            return "an object";
        }

        Node field(String source, String name) {
            return field(source, null, name);
        }

        Node field(String source, String path, String name) {
            Node n = fields.get(name);
            if (n == null) {
                throw error(source, (path == null ? "" : path + ": ") + "missing field \"" + name + "\"");
            }
            return n;
        }

        void onlyFields(String source, String path, Set<String> allowed) {
            for (Map.Entry<String, Node> e : fields.entrySet()) {
                if (!allowed.contains(e.getKey())) {
                    int[] at = keyPositions.get(e.getKey());
                    throw new QtuneException("quant plan " + source + ": line " + at[0] + ", column " + at[1] + ": " + path
                            + ": unknown field " + quote(e.getKey()) + " (expected " + String.join(", ", sorted(allowed)) + ")");
                }
            }
        }

        private static List<String> sorted(Set<String> s) {
            List<String> l = new ArrayList<>(s);
            l.sort(null);
            return l;
        }
    }

    private static final class Str extends Node {
        final String value;

        Str(int line, int column, String value) {
            super(line, column);
            this.value = value;
        }

        @Override
        String kind() {
            return "a string";
        }
    }

    private static final class Num extends Node {
        final String text;

        Num(int line, int column, String text) {
            super(line, column);
            this.text = text;
        }

        @Override
        String kind() {
            return "a number";
        }
    }

    private static final class Other extends Node {
        final String kind;

        Other(int line, int column, String kind) {
            super(line, column);
            this.kind = kind;
        }

        @Override
        String kind() {
            return kind;
        }
    }

    /** Recursive-descent JSON (RFC 8259) parser that tracks line and column. */
    private static final class Parser {
        private final String s;
        private final String source;
        private int pos, line = 1, lineStart;

        Parser(String s, String source) {
            this.s = s;
            this.source = source;
        }

        Node document() {
            if (s.startsWith("\uFEFF")) pos = 1;
            skipSpace();
            Node n = value(0);
            skipSpace();
            if (pos < s.length()) throw fail("unexpected " + describe(s.charAt(pos)) + " after the end of the plan");
            return n;
        }

        private QtuneException fail(String message) {
            return new QtuneException("quant plan " + source + ": line " + line + ", column " + (pos - lineStart + 1) + ": " + message);
        }

        private static String describe(char c) {
            return c < 0x20 ? String.format(Locale.ROOT, "character U+%04X", (int) c) : "'" + c + "'";
        }

        private void skipSpace() {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == '\n') {
                    line++;
                    lineStart = pos + 1;
                } else if (c != ' ' && c != '\t' && c != '\r') {
                    return;
                }
                pos++;
            }
        }

        private Node value(int depth) {
            if (depth > 64) throw fail("nesting deeper than 64 levels");
            if (pos >= s.length()) throw fail("unexpected end of the plan, expected a value");
            int l = line, c = pos - lineStart + 1;
            char ch = s.charAt(pos);
            switch (ch) {
                case '{':
                    return object(depth, l, c);
                case '[':
                    array(depth);
                    return new Other(l, c, "an array");
                case '"':
                    return new Str(l, c, string());
                case 't':
                    literal("true");
                    return new Other(l, c, "true");
                case 'f':
                    literal("false");
                    return new Other(l, c, "false");
                case 'n':
                    literal("null");
                    return new Other(l, c, "null");
                default:
                    if (ch == '-' || (ch >= '0' && ch <= '9')) return new Num(l, c, number());
                    throw fail("unexpected " + describe(ch) + ", expected a value");
            }
        }

        private Obj object(int depth, int l, int c) {
            Obj o = new Obj(l, c);
            pos++; // {
            skipSpace();
            if (peek() == '}') {
                pos++;
                return o;
            }
            while (true) {
                skipSpace();
                if (peek() != '"') throw fail(pos >= s.length() ? "unexpected end of the plan, expected a key" : "expected a quoted key, found " + describe(s.charAt(pos)));
                int kl = line, kc = pos - lineStart + 1;
                String key = string();
                if (o.fields.containsKey(key)) {
                    throw new QtuneException("quant plan " + source + ": line " + kl + ", column " + kc + ": duplicate key " + quote(key));
                }
                skipSpace();
                expect(':', "after the key " + quote(key));
                skipSpace();
                o.fields.put(key, value(depth + 1));
                o.keyPositions.put(key, new int[] {kl, kc});
                skipSpace();
                char next = peek();
                pos++;
                if (next == '}') return o;
                if (next != ',') {
                    pos--;
                    throw fail(pos >= s.length() ? "unexpected end of the plan, expected ',' or '}'" : "expected ',' or '}', found " + describe(next));
                }
            }
        }

        private void array(int depth) {
            pos++; // [
            skipSpace();
            if (peek() == ']') {
                pos++;
                return;
            }
            while (true) {
                skipSpace();
                value(depth + 1);
                skipSpace();
                char next = peek();
                pos++;
                if (next == ']') return;
                if (next != ',') {
                    pos--;
                    throw fail(pos >= s.length() ? "unexpected end of the plan, expected ',' or ']'" : "expected ',' or ']', found " + describe(next));
                }
            }
        }

        private static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }

        private char peek() {
            return pos < s.length() ? s.charAt(pos) : '\0';
        }

        private void expect(char c, String where) {
            if (pos >= s.length()) throw fail("unexpected end of the plan, expected '" + c + "' " + where);
            if (s.charAt(pos) != c) throw fail("expected '" + c + "' " + where + ", found " + describe(s.charAt(pos)));
            pos++;
        }

        private void literal(String word) {
            if (!s.startsWith(word, pos)) throw fail("unexpected " + describe(s.charAt(pos)) + ", expected a value");
            pos += word.length();
        }

        private String string() {
            pos++; // opening quote
            StringBuilder b = new StringBuilder();
            while (true) {
                if (pos >= s.length()) throw fail("unterminated string");
                char c = s.charAt(pos++);
                if (c == '"') return b.toString();
                if (c < 0x20) {
                    pos--;
                    throw fail("control character U+" + String.format(Locale.ROOT, "%04X", (int) c) + " inside a string");
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                if (pos >= s.length()) throw fail("unterminated string");
                char e = s.charAt(pos++);
                switch (e) {
                    case '"', '\\', '/' -> b.append(e);
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        if (pos + 4 > s.length() || !s.substring(pos, pos + 4).matches("[0-9a-fA-F]{4}")) {
                            throw fail("bad \\u escape in a string");
                        }
                        b.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                        pos += 4;
                    }
                    default -> {
                        pos--;
                        throw fail("bad escape \\" + e + " in a string");
                    }
                }
            }
        }

        private String number() {
            int start = pos;
            if (peek() == '-') pos++;
            if (peek() == '0') {
                pos++;
            } else if (peek() >= '1' && peek() <= '9') {
                while (isDigit(peek())) pos++;
            } else {
                throw fail("malformed number");
            }
            if (peek() == '.') {
                pos++;
                if (!isDigit(peek())) throw fail("malformed number: a digit must follow '.'");
                while (isDigit(peek())) pos++;
            }
            if (peek() == 'e' || peek() == 'E') {
                pos++;
                if (peek() == '+' || peek() == '-') pos++;
                if (!isDigit(peek())) throw fail("malformed number: a digit must follow the exponent");
                while (isDigit(peek())) pos++;
            }
            return s.substring(start, pos);
        }
    }
}
