package io.qtune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The compiled module descriptor ({@code src/main/java/module-info.java}) exports exactly the packages a service
 * embeds, opens exactly what picocli and Jackson reflect on, and every package of the module is either exported or
 * named here as internal: a new package or a new export is a deliberate change to this list.
 */
class ModuleDescriptorTest {
    static final Set<String> EXPORTED = Set.of(
            "io.qtune", "io.qtune.engine", "io.qtune.serve", "io.qtune.serve.http", "io.qtune.quant", "io.qtune.tune",
            "io.qtune.data", "io.qtune.calib", "io.qtune.eval", "io.qtune.report", "io.qtune.platform", "io.qtune.zoo",
            // named by the signatures of those above
            "io.qtune.graph", "io.qtune.export", "io.qtune.tf");
    static final Set<String> INTERNAL = Set.of(
            "io.qtune.cli", "io.qtune.bench", "io.qtune.loadgen", "io.qtune.onnx", "io.qtune.kernels", "io.qtune.reference",
            "io.qtune.semantics", "io.qtune.graph.passes");
    static final Set<String> REQUIRED_TRANSITIVELY = Set.of(
            "tensorflow.nativelib", "com.fasterxml.jackson.databind", "micrometer.core", "micrometer.registry.prometheus");

    static Path classes;
    static ModuleDescriptor module;

    @BeforeAll
    static void read() throws Exception {
        classes = mainClasses();
        // javac records only the exported and opened packages in module-info.class; the jar tool adds the rest
        Set<String> packages;
        try (Stream<Path> files = Files.walk(classes)) {
            packages = files.filter(f -> f.toString().endsWith(".class") && !f.getFileName().toString().equals("module-info.class"))
                    .map(f -> classes.relativize(f.getParent()).toString().replace(File.separatorChar, '.'))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        try (InputStream in = Files.newInputStream(classes.resolve("module-info.class"))) {
            module = ModuleDescriptor.read(in, () -> packages);
        }
    }

    /** target/classes: where the main classes (and module-info.class) were compiled to. */
    static Path mainClasses() throws Exception {
        Path p = Path.of(QtuneException.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertTrue(Files.isRegularFile(p.resolve("module-info.class")), p + " has no module-info.class");
        return p;
    }

    @Test
    void exportsExactlyTheEmbeddedApi() {
        assertEquals("io.qtune", module.name());
        Set<String> exported = new TreeSet<>();
        for (ModuleDescriptor.Exports e : module.exports()) {
            assertTrue(!e.isQualified(), e + " is qualified");
            exported.add(e.source());
        }
        assertEquals(new TreeSet<>(EXPORTED), exported);
    }

    @Test
    void everyPackageIsExportedOrNamedInternal() {
        Set<String> both = new TreeSet<>(EXPORTED);
        both.retainAll(INTERNAL);
        assertEquals(Set.of(), both, "a package is exported or internal, not both");
        Set<String> listed = new TreeSet<>(EXPORTED);
        listed.addAll(INTERNAL);
        assertEquals(listed, new TreeSet<>(module.packages()), "decide for a new package whether services embed it");
    }

    @Test
    void opensOnlyWhatPicocliAndJacksonReflectOn() {
        Map<String, Set<String>> opens = new TreeMap<>();
        for (ModuleDescriptor.Opens o : module.opens()) opens.put(o.source(), o.targets());
        assertEquals(Map.of("io.qtune.cli", Set.of("info.picocli"), "io.qtune.report", Set.of("com.fasterxml.jackson.databind")), opens);
        assertTrue(!module.isOpen());
    }

    @Test
    void requiresTransitivelyWhatExportedSignaturesName() {
        Set<String> transitive = module.requires().stream()
                .filter(r -> r.modifiers().contains(ModuleDescriptor.Requires.Modifier.TRANSITIVE))
                .map(ModuleDescriptor.Requires::name).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(REQUIRED_TRANSITIVELY), transitive);
        // the optional runtime stays optional for a module that requires io.qtune, as in the pom
        assertTrue(module.requires().stream().anyMatch(r -> r.name().equals("com.microsoft.onnxruntime")
                && r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC)));
    }

    /** Each package says what lives there (package-info.java; javac writes package-info.class for it). */
    @Test
    void everyPackageHasPackageInfo() {
        List<String> missing = module.packages().stream()
                .filter(p -> !Files.isRegularFile(classes.resolve(p.replace('.', '/')).resolve("package-info.class")))
                .sorted().toList();
        assertEquals(List.of(), missing);
    }

    /**
     * What javac -Xlint:exports checks, over the compiled classes: no public or protected member of a public type in an
     * exported package names a type of an unexported qtune package (a service could not use that member).
     */
    @Test
    void exportedSignaturesNameOnlyExportedPackages() throws IOException, ClassNotFoundException {
        List<String> leaks = new ArrayList<>();
        for (String pkg : new TreeSet<>(EXPORTED)) {
            Path dir = classes.resolve(pkg.replace('.', '/'));
            List<String> names;
            try (Stream<Path> files = Files.list(dir)) {
                names = files.map(f -> f.getFileName().toString())
                        .filter(n -> n.endsWith(".class") && !n.equals("package-info.class"))
                        .map(n -> pkg + "." + n.substring(0, n.length() - ".class".length())) // binary names: Outer$Inner
                        .sorted().toList();
            }
            for (String name : names) {
                Class<?> c = Class.forName(name, false, getClass().getClassLoader());
                if (!isApi(c)) continue;
                List<Type> named = new ArrayList<>();
                if (c.getGenericSuperclass() != null) named.add(c.getGenericSuperclass());
                named.addAll(List.of(c.getGenericInterfaces()));
                for (Field f : c.getDeclaredFields()) if (isApi(f.getModifiers())) named.add(f.getGenericType());
                List<Executable> members = new ArrayList<>(List.of(c.getDeclaredConstructors()));
                members.addAll(List.of(c.getDeclaredMethods()));
                for (Executable m : members) {
                    if (!isApi(m.getModifiers()) || m.isSynthetic()) continue;
                    named.addAll(List.of(m.getGenericParameterTypes()));
                    named.addAll(List.of(m.getGenericExceptionTypes()));
                    if (m instanceof Method method) named.add(method.getGenericReturnType());
                }
                for (Type t : named) {
                    for (Class<?> used : classesIn(t)) {
                        String p = used.getPackageName();
                        if (p.startsWith("io.qtune") && !EXPORTED.contains(p)) leaks.add(c.getName() + " names " + used.getName());
                    }
                }
            }
        }
        assertEquals(List.of(), leaks.stream().distinct().toList());
    }

    /** A public type reachable from outside: public, and every enclosing type public too. */
    private static boolean isApi(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
            if (!Modifier.isPublic(k.getModifiers()) || k.isAnonymousClass() || k.isLocalClass()) return false;
        }
        return true;
    }

    private static boolean isApi(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static List<Class<?>> classesIn(Type t) {
        List<Class<?>> out = new ArrayList<>();
        collect(t, out, new java.util.HashSet<>());
        return out;
    }

    private static void collect(Type t, List<Class<?>> out, Set<Type> seen) {
        if (!seen.add(t)) return;
        if (t instanceof Class<?> c) {
            while (c.isArray()) c = c.getComponentType();
            out.add(c);
        } else if (t instanceof ParameterizedType p) {
            collect(p.getRawType(), out, seen);
            for (Type a : p.getActualTypeArguments()) collect(a, out, seen);
        } else if (t instanceof GenericArrayType g) {
            collect(g.getGenericComponentType(), out, seen);
        } else if (t instanceof WildcardType w) {
            for (Type b : w.getUpperBounds()) collect(b, out, seen);
            for (Type b : w.getLowerBounds()) collect(b, out, seen);
        } else if (t instanceof TypeVariable<?> v) {
            for (Type b : v.getBounds()) collect(b, out, seen);
        }
    }
}
