package io.qtune.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * ONNX Runtime is optional and the exporter is a leaf: only io.qtune.bench touches ONNX Runtime's classes, and only
 * cli and bench use io.qtune.onnx, so the library and serve run without either.
 */
class OnnxBoundaryTest {
    private static final Path MAIN = Path.of("src", "main", "java", "io", "qtune");

    private static List<String> filesMentioning(String text, String... allowedPackages) throws IOException {
        try (Stream<Path> files = Files.walk(MAIN)) {
            return files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> {
                        String pkg = MAIN.relativize(p.getParent()).toString().replace('/', '.');
                        for (String a : allowedPackages) if (pkg.equals(a)) return false;
                        return true;
                    })
                    .filter(p -> {
                        try {
                            return Files.readString(p).contains(text);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .map(p -> MAIN.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void onlyBenchUsesOnnxRuntime() throws IOException {
        assertEquals(List.of(), filesMentioning("ai.onnxruntime.", "bench"));
    }

    @Test
    void onlyCliAndBenchUseTheExporter() throws IOException {
        assertEquals(List.of(), filesMentioning("io.qtune.onnx", "cli", "bench", "onnx"));
    }
}
