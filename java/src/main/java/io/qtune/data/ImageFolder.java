package io.qtune.data;

import io.qtune.QtuneException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Labeled images laid out as {@code DIR/<class>/<image>}, the layout of torchvision's {@code ImageFolder} and Keras'
 * {@code image_dataset_from_directory}: label k is the k-th class folder in sorted order, or the class on line k+1 of
 * a classes file (then listed classes may have no folder, and a folder that is not listed is an error). Images are the
 * files with an image extension (jpg, jpeg, png, bmp, ppm, pgm, tif, tiff, webp; any case) anywhere under a class
 * folder, in sorted path order; names starting with '.' are ignored. Preprocessing is MLPerf's {@code pre_process_vgg}.
 *
 * <p>Opening checks every file cheaply, as {@link ImageNetDataset} does: a bad file is an error naming it, or with
 * skipBad it is left out and listed by {@link #skipped()}.
 */
public final class ImageFolder implements LabeledImages {
    static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "ppm", "pgm", "tif", "tiff", "webp");

    private record Entry(Path file, int label) {}

    private final Path root;
    private final List<String> classes;
    private final List<Entry> entries;
    private final List<String> skipped;
    private final VggPreprocessing preprocessing;

    private ImageFolder(Path root, List<String> classes, List<Entry> entries, List<String> skipped, VggPreprocessing preprocessing) {
        this.root = root;
        this.classes = classes;
        this.entries = entries;
        this.skipped = skipped;
        this.preprocessing = preprocessing;
    }

    /**
     * @param classesFile class names, one per line in label order; null: the class folders in sorted order
     * @param crop the model's input size (MLPerf: 224 out of the short side resized to crop / 0.875)
     */
    public static ImageFolder open(Path root, Path classesFile, int crop, boolean skipBad) {
        VggPreprocessing pre = new VggPreprocessing(crop, VggPreprocessing.MLPERF_SCALE_PERCENT);
        if (!Files.isDirectory(root)) throw new QtuneException(root + ": image folder not found");
        List<String> folders = new ArrayList<>();
        try (Stream<Path> s = Files.list(root)) {
            s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().forEach(folders::add);
        } catch (IOException e) {
            throw new QtuneException(root + ": cannot list: " + e.getMessage(), e);
        }
        List<String> classes = classesFile == null ? folders : readClasses(classesFile);
        if (classes.isEmpty()) throw new QtuneException(root + ": no class folders (expected DIR/<class>/<image files>)");
        Map<String, Integer> label = new LinkedHashMap<>();
        for (int i = 0; i < classes.size(); i++) label.put(classes.get(i), i);
        VggPreprocessing.requireOpenCv(); // the file check asks OpenCV which signatures it decodes
        List<Entry> entries = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (String folder : folders) {
            Integer k = label.get(folder);
            if (k == null) {
                throw new QtuneException(root.resolve(folder) + ": class folder '" + folder + "' is not in " + classesFile
                        + "; add it there or move the folder out");
            }
            for (Path f : images(root.resolve(folder))) {
                String problem = ImageNetDataset.checkFile(f);
                if (problem == null) entries.add(new Entry(f, k));
                else if (skipBad) skipped.add(f + ": " + problem);
                else throw new QtuneException(f + ": " + problem + "; fix or remove the file, or skip bad files");
            }
        }
        if (entries.isEmpty()) {
            throw new QtuneException(root + ": no usable images under the class folders"
                    + (skipped.isEmpty() ? " (extensions: " + String.join(", ", EXTENSIONS.stream().sorted().toList()) + ")" : " (first bad: " + skipped.get(0) + ")"));
        }
        return new ImageFolder(root, List.copyOf(classes), List.copyOf(entries), List.copyOf(skipped), pre);
    }

    private static List<String> readClasses(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new QtuneException(file + ": cannot read the classes file: " + e.getMessage(), e);
        }
        List<String> out = new ArrayList<>();
        Map<String, Integer> seen = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String name = lines.get(i).strip();
            if (name.isEmpty()) continue;
            Integer before = seen.putIfAbsent(name, i + 1);
            if (before != null) throw new QtuneException(file + ":" + (i + 1) + ": class '" + name + "' is listed twice (first at line " + before + ")");
            out.add(name);
        }
        if (out.isEmpty()) throw new QtuneException(file + ": the classes file is empty");
        return out;
    }

    /** Image files under a class folder, at any depth, in sorted order of their path below it. */
    private static List<Path> images(Path folder) {
        try (Stream<Path> s = Files.walk(folder, java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
            return s.filter(p -> !p.equals(folder))
                    .filter(p -> { for (Path part : folder.relativize(p)) if (part.toString().startsWith(".")) return false; return true; })
                    .filter(p -> !Files.isDirectory(p) && EXTENSIONS.contains(extension(p)))
                    .sorted(java.util.Comparator.comparing(p -> folder.relativize(p).toString()))
                    .toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new QtuneException(folder + ": cannot list: " + e.getMessage(), e);
        }
    }

    private static String extension(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /** Class names in label order. */
    public List<String> classes() {
        return classes;
    }

    /** Files left out under skip-bad, with the reason. */
    public List<String> skipped() {
        return skipped;
    }

    public Path path(int i) {
        return entries.get(i).file();
    }

    @Override public int size() { return entries.size(); }
    @Override public int height() { return preprocessing.crop(); }
    @Override public int width() { return preprocessing.crop(); }
    @Override public int numLabels() { return classes.size(); }
    @Override public int label(int i) { return entries.get(i).label(); }

    /** The path below the root, with '/' separators: the same on every machine whatever the mount point. */
    @Override
    public String id(int i) {
        return root.relativize(entries.get(i).file()).toString().replace(java.io.File.separatorChar, '/');
    }

    @Override
    public void load(int i, float[] dst, int offset) {
        Objects.checkFromIndexSize(offset, preprocessing.floatsPerImage(), dst.length);
        Path file = path(i);
        byte[] encoded;
        try {
            encoded = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new QtuneException(file + ": cannot read: " + e, e);
        }
        VggPreprocessing.subtractMeans(preprocessing.rgbCrop(encoded, file.toString()), dst, offset);
    }

    @Override
    public String toString() {
        return "image folder " + root + " (" + size() + " images, " + classes.size() + " classes"
                + (skipped.isEmpty() ? "" : ", " + skipped.size() + " bad files skipped") + "), " + preprocessing;
    }
}
