package io.qtune.report;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How an artifact was made: the tool, the JVM, the model and its digest, the data and a digest of its content, and
 * the options (by option name, as given). Fields that do not apply (no calibration data for an evaluation) are null.
 */
public record Provenance(String tool, String java, String model, String modelSha256, String calibSpec, String evalSpec,
                         String evalContentSha256, String evalContentNote,
                         Map<String, Object> options) {
    public Provenance {
        options = options == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(options)); // null values kept
    }
}
