package io.qtune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    /** json-golden.json was written by the hand-written writer Jackson replaced: the bytes must not move. */
    @Test
    void writesTheBytesOfTheWriterItReplaced() throws Exception {
        Path golden = Path.of(JsonTest.class.getResource("/io/qtune/json-golden.json").toURI());
        assertEquals(Files.readString(golden, StandardCharsets.UTF_8), Json.write(JsonFixtures.sample()) + "\n");
    }

    @Test
    void quotesAsEveryQtuneFileDoes() {
        assertEquals("\"a \\\"b\\\" \\\\ \\n\\r\\t \\u0001\\u0008\\u000c\\u007f é\"", Json.quote("a \"b\" \\ \n\r\t \u0001\b\f\u007f é"));
    }

    @Test
    void parsesIntoMapsListsAndDoubles() {
        Object v = Json.parse("{\"b\": [1, 2.5, \"x\", null, true], \"a\": {\"n\": -3}}", "t");
        assertEquals(Map.of("b", java.util.Arrays.asList(1.0, 2.5, "x", null, true), "a", Map.of("n", -3.0)), v);
        assertEquals(List.of("b", "a"), List.copyOf(((Map<?, ?>) v).keySet()), "file order kept");
        @SuppressWarnings("unchecked")
        Map<String, Object> back = (Map<String, Object>) Json.parse(Json.write(JsonFixtures.sample()), "golden");
        assertEquals("quote \" backslash \\ slash / newline \n return \r tab \t bell \u0007 backspace \b formfeed \f del \u007f e\u00e9 \u20ac",
                back.get("escapes"));
    }

    @Test
    void badJsonNamesTheSourceLineAndColumn() {
        QtuneException e = assertThrows(QtuneException.class, () -> Json.parse("{\"a\": 1,\n  \"b\" 2}", "history.jsonl:3"));
        assertTrue(e.getMessage().startsWith("history.jsonl:3: bad JSON at line 2, column "), e.getMessage());
        assertTrue(assertThrows(QtuneException.class, () -> Json.parse("{} {}", "x")).getMessage().startsWith("x: bad JSON at line 1"));
        assertTrue(assertThrows(QtuneException.class, () -> Json.parse("{\"a\": tru", "x")).getMessage().startsWith("x: bad JSON"));
    }

    record Sample(String engineName, double imagesPerSecond, int batch) {}

    @Test
    void recordsAreWrittenInSnakeCase() {
        assertEquals("{\"engine_name\":\"tf-fp32\",\"images_per_second\":25,\"batch\":1}", Json.write(new Sample("tf-fp32", 25.0, 1)));
        assertEquals("{\n  \"engine_name\": \"x\",\n  \"images_per_second\": 0.5,\n  \"batch\": 2\n}\n", Json.pretty(new Sample("x", 0.5, 2)));
    }
}
