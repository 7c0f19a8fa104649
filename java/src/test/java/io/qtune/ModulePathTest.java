package io.qtune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.zoo.ProxyModel;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.module.ModuleFinder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * qtune embeds on the module path: the main classes as a jar, with exactly the runtime dependencies Maven resolves
 * (target/runtime-classpath.txt), on a {@code --module-path}. A service module ({@code src/test/module-client}, which
 * {@code requires io.qtune} and nothing else) compiles against the exports alone, loads the embedded default model
 * and runs one image; its output bits, the thread line (qtune's own JNI library loads from the named module) and a
 * report record's JSON (Jackson into the module) equal what the same code prints on the class path. The CLI runs as
 * the module too (picocli into {@code io.qtune.cli}). Every run is a fresh JVM.
 */
class ModulePathTest {
    @TempDir
    static Path dir;
    static Path jar;
    static List<Path> dependencies;
    static Path client;
    /** The natives' platform modules, which nothing requires (they differ per platform): added by name. */
    static String platformModules;

    @BeforeAll
    static void build() throws Exception {
        String list = System.getProperty("qtune.runtime.classpath");
        assertTrue(list != null && Files.isRegularFile(Path.of(list)),
                "run under Maven: the build writes the runtime class path (execution runtime-classpath), got " + list);
        dependencies = Arrays.stream(Files.readString(Path.of(list)).strip().split(File.pathSeparator))
                .filter(s -> !s.isBlank()).map(Path::of).toList();

        jar = dir.resolve("qtune.jar");
        run(ToolProvider.findFirst("jar").orElseThrow(), "--create", "--file", jar.toString(),
                "-C", ModuleDescriptorTest.mainClasses().toString(), ".");

        client = dir.resolve("client");
        Path src = Path.of(System.getProperty("qtune.module.client", "src/test/module-client"));
        // against io.qtune's exports alone
        run(ToolProvider.findFirst("javac").orElseThrow(), "-d", client.toString(), "--module-path", modulePath(jar),
                "--module-source-path", src.toString(), "--module", "example.service");

        String suffix = "." + org.bytedeco.javacpp.Loader.getPlatform().replace('-', '.');
        platformModules = ModuleFinder.of(dependencies.toArray(Path[]::new)).findAll().stream()
                .map(r -> r.descriptor().name()).filter(n -> n.endsWith(suffix)).sorted().collect(Collectors.joining(","));
        assertTrue(platformModules.contains("org.bytedeco.dnnl" + suffix), platformModules);
    }

    @Test
    void aServiceModuleRunsTheEmbeddedModelAsOnTheClassPath() throws Exception {
        String mp = modulePath(client, jar);
        List<String> onModules = java("--module-path", mp, "--add-modules", platformModules,
                "--module", "example.service/example.service.EmbeddedModelProbe");
        List<String> onClassPath = java("-cp", modulePath(client.resolve("example.service"), jar), "example.service.EmbeddedModelProbe");

        assertEquals("example.service io.qtune", onModules.get(0), "both ran as named modules");
        assertEquals("null null", onClassPath.get(0), "both ran in the unnamed module");
        assertEquals(onClassPath.subList(1, onClassPath.size()), onModules.subList(1, onModules.size()));
        assertTrue(onModules.get(1).startsWith("softmax_tensor ") && onModules.get(1).split(" ").length == 1 + ProxyModel.CLASSES,
                onModules.get(1));
        if (!Boolean.getBoolean("qtune.native.skip")) {
            assertFalse(onModules.get(2).contains("not loaded"), "qtune's JNI library loads in the module: " + onModules.get(2));
        }
        assertEquals("json {\"numerator\":\"onednn-int8\",\"denominator\":\"onednn-fp32\",\"batch\":1,"
                + "\"images_per_second_ratio\":2.5,\"latency_p50_ratio\":0.5}", onModules.get(3));
    }

    @Test
    void theCliRunsAsTheModule() throws Exception {
        String model = ProxyModel.file().toString();
        List<String> onModules = java("--module-path", modulePath(jar), "--add-modules", platformModules,
                "--module", "io.qtune/io.qtune.cli.Main", "inspect", "--model", model);
        StringWriter out = new StringWriter();
        assertEquals(0, io.qtune.cli.Main.run(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true), "inspect", "--model", model));
        assertEquals(out.toString().strip(), String.join("\n", onModules).strip());
    }

    /** The given entries, then the runtime dependencies (a module path or a class path alike). */
    private static String modulePath(Path... first) {
        return Stream.concat(Arrays.stream(first), dependencies.stream()).map(Path::toString).collect(Collectors.joining(File.pathSeparator));
    }

    /** Runs a fresh JVM; returns its stdout lines, failing with its output when it exits non-zero. */
    private static List<String> java(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g"));
        // the natives unpack once into JavaCPP's cache: share the build's
        String cache = System.getProperty("org.bytedeco.javacpp.cachedir");
        if (cache != null) cmd.add("-Dorg.bytedeco.javacpp.cachedir=" + cache);
        cmd.addAll(List.of(args));
        Path stdout = Files.createTempFile(dir, "out", ".txt");
        Path stderr = Files.createTempFile(dir, "err", ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        String err = Files.readString(stderr, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "exit status of " + String.join(" ", cmd) + "\nstderr:\n" + err);
        return Files.readAllLines(stdout, StandardCharsets.UTF_8);
    }

    private static void run(ToolProvider tool, String... args) {
        StringWriter out = new StringWriter();
        int rc = tool.run(new PrintWriter(out, true), new PrintWriter(out, true), args);
        assertEquals(0, rc, tool.name() + " " + String.join(" ", args) + ": " + out);
    }
}
