package io.qtune;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * qtune's one JSON setup, on Jackson: every JSON file qtune writes or reads goes through {@link #mapper()} or
 * {@link #factory()}. Two choices keep the bytes of files written before Jackson: a double (or float) with an
 * integral value below 1e15 prints without a fraction ({@code 3}, not {@code 3.0}) and others as
 * {@link Double#toString}, non-finite ones as {@code null} (JSON has no NaN: an unmeasured value); strings escape
 * {@code " \ \n \r \t} by letter and other control characters and DEL as lower-case {@code \}{@code u00xx}.
 * Record components are written in snake_case ({@code imagesPerSecond} as {@code images_per_second}).
 */
public final class Json {
    private static final JsonFactory FACTORY = new JsonFactoryBuilder()
            .characterEscapes(new QtuneEscapes())
            .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
            .build();

    private static final ObjectMapper MAPPER = JsonMapper.builder(FACTORY)
            .addModule(numbers())
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private Json() {}

    /** The configured factory, for streaming writers and readers (the quant plan's). */
    public static JsonFactory factory() {
        return FACTORY;
    }

    /** The configured mapper, for records and maps. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Compact JSON of maps, lists, records, strings, numbers, booleans and null. */
    public static String write(Object v) {
        try {
            return MAPPER.writeValueAsString(v);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("no JSON form for " + v.getClass() + ": " + e.getOriginalMessage(), e);
        }
    }

    /** Two-space indented JSON, one field per line, ending in a newline: for files people read. */
    public static String pretty(Object v) {
        try {
            return MAPPER.writer(indented()).writeValueAsString(v) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("no JSON form for " + v.getClass() + ": " + e.getOriginalMessage(), e);
        }
    }

    /** Two spaces per level, '\n' line ends, {@code "key": value}, and {@code {}} / {@code []} when empty. */
    public static DefaultPrettyPrinter indented() {
        DefaultIndenter twoSpaces = new DefaultIndenter("  ", "\n");
        return new DefaultPrettyPrinter(Separators.createDefaultInstance()
                        .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                        .withObjectEmptySeparator("")
                        .withArrayEmptySeparator(""))
                .withObjectIndenter(twoSpaces)
                .withArrayIndenter(twoSpaces);
    }

    /** A JSON string literal, escaped as every qtune file escapes strings. */
    public static String quote(String s) {
        StringWriter w = new StringWriter(s.length() + 2);
        try (JsonGenerator g = FACTORY.createGenerator(w)) {
            g.writeString(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    /**
     * Parses one JSON value into Map (in file order), List, String, Double, Boolean and null; {@code source} and the
     * line and column go into the error message.
     */
    public static Object parse(String text, String source) {
        try {
            return numbersAsDoubles(MAPPER.readValue(text, Object.class));
        } catch (JsonProcessingException e) {
            throw new QtuneException(source + ": bad JSON at " + where(e.getLocation()) + ": " + firstLine(e.getOriginalMessage()));
        }
    }

    /** "line L, column C" of a parser location (1-based). */
    public static String where(JsonLocation at) {
        return at == null ? "an unknown place" : "line " + at.getLineNr() + ", column " + at.getColumnNr();
    }

    /** Jackson's messages can run on to a second line quoting the source; the first line says what is wrong. */
    public static String firstLine(String message) {
        if (message == null) return "malformed JSON";
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    @SuppressWarnings("unchecked")
    private static Object numbersAsDoubles(Object v) {
        if (v instanceof Number n) return n.doubleValue();
        if (v instanceof Map<?, ?> m) {
            for (Map.Entry<String, Object> e : ((Map<String, Object>) m).entrySet()) e.setValue(numbersAsDoubles(e.getValue()));
        } else if (v instanceof List<?> l) {
            List<Object> list = (List<Object>) l;
            for (int i = 0; i < list.size(); i++) list.set(i, numbersAsDoubles(list.get(i)));
        }
        return v;
    }

    private static SimpleModule numbers() {
        SimpleModule m = new SimpleModule("qtune-numbers");
        JsonSerializer<Number> real = new RealSerializer();
        m.addSerializer(Double.class, real);
        m.addSerializer(Double.TYPE, real);
        m.addSerializer(Float.class, real);
        m.addSerializer(Float.TYPE, real);
        return m;
    }

    /** Doubles and floats as qtune has always written them (see the class comment). */
    private static final class RealSerializer extends JsonSerializer<Number> {
        @Override
        public void serialize(Number v, JsonGenerator g, SerializerProvider p) throws IOException {
            double d = v.doubleValue();
            if (!Double.isFinite(d)) g.writeNull();
            else if (d == Math.rint(d) && Math.abs(d) < 1e15) g.writeNumber((long) d);
            else g.writeNumber(Double.toString(d));
        }
    }

    /** Jackson's JSON escapes, except that backspace, form feed and DEL are written as lower-case \\u00xx. */
    private static final class QtuneEscapes extends CharacterEscapes {
        private final int[] ascii = standardAsciiEscapesForJSON();

        QtuneEscapes() {
            ascii['\b'] = ESCAPE_STANDARD;
            ascii['\f'] = ESCAPE_STANDARD;
            ascii[0x7f] = ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return null;
        }
    }
}
