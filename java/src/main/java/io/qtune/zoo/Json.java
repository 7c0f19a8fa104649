package io.qtune.zoo;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Just enough JSON output for provenance sidecars: maps keep their order, doubles print in full. */
final class Json {
    private Json() {}

    static String write(Map<String, ?> object) {
        StringBuilder b = new StringBuilder();
        value(b, object, "");
        return b.append('\n').toString();
    }

    private static void value(StringBuilder b, Object v, String indent) {
        if (v == null) {
            b.append("null");
        } else if (v instanceof String s) {
            string(b, s);
        } else if (v instanceof Double d) {
            if (!Double.isFinite(d)) throw new IllegalArgumentException("JSON has no " + d);
            b.append(d == Math.rint(d) && Math.abs(d) < 1e15 ? String.format(Locale.ROOT, "%.1f", d) : Double.toString(d));
        } else if (v instanceof Number || v instanceof Boolean) {
            b.append(v);
        } else if (v instanceof Map<?, ?> m) {
            String inner = indent + "  ";
            b.append("{\n");
            int i = 0;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                b.append(inner);
                string(b, String.valueOf(e.getKey()));
                b.append(": ");
                value(b, e.getValue(), inner);
                b.append(++i < m.size() ? ",\n" : "\n");
            }
            b.append(indent).append('}');
        } else if (v instanceof List<?> l) {
            b.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) b.append(", ");
                value(b, l.get(i), indent);
            }
            b.append(']');
        } else {
            throw new IllegalArgumentException("no JSON form for " + v.getClass());
        }
    }

    private static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        b.append('"');
    }
}
