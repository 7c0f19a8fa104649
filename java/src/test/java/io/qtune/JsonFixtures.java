package io.qtune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A value with every kind {@link Json#write} handles, for the golden-bytes test. */
final class JsonFixtures {
    private JsonFixtures() {}

    static Map<String, Object> sample() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("string", "plain");
        m.put("escapes", "quote \" backslash \\ slash / newline \n return \r tab \t bell \u0007 backspace \b formfeed \f del \u007f e\u00e9 \u20ac");
        m.put("int", 42);
        m.put("long", 1L << 40);
        m.put("negative", -7);
        m.put("double_integral", 3.0);
        m.put("double_negative_zero", -0.0);
        m.put("double_fraction", 0.923700001);
        m.put("double_large", 1e20);
        m.put("double_small", 1.5e-7);
        m.put("double_nan", Double.NaN);
        m.put("double_infinite", Double.POSITIVE_INFINITY);
        m.put("float", 0.1f);
        m.put("float_integral", 6f);
        m.put("true", true);
        m.put("false", false);
        m.put("null", null);
        m.put("empty_list", List.of());
        m.put("empty_map", Map.of());
        List<Object> list = new ArrayList<>(Arrays.asList(1, "two", 3.5, null, List.of(4.0, 5.25)));
        m.put("list", list);
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("z", 1);
        inner.put("a", Map.of("k\"ey", "v"));
        m.put("nested", inner);
        return m;
    }
}
