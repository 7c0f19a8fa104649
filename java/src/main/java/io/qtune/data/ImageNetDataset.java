package io.qtune.data;

import static org.bytedeco.opencv.global.opencv_imgcodecs.haveImageReader;

import io.qtune.QtuneException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * ILSVRC2012 validation images listed by a {@code val_map.txt} ({@code ILSVRC2012_val_00000001.JPEG 65}) or by a
 * calibration list of bare file names ({@code cal_image_list_option_1.txt}, labels -1), preprocessed with MLPerf's
 * {@code pre_process_vgg} ({@link VggPreprocessing}).
 *
 * <p>Opening checks every listed file cheaply (exists, non-empty, a signature OpenCV can decode), so a bad file stops
 * the run before any work starts, or with {@link Options#skipBad()} is left out and reported by {@link #skipped()}.
 * A file that passes that check but still fails to decode is an error when loaded, whatever the options.
 */
public final class ImageNetDataset implements LabeledImages {

    /**
     * @param crop output height and width (224 for MLPerf)
     * @param scalePercent crop as a percentage of the resized short side (87.5 for MLPerf: 224 out of 256)
     * @param numLabels labels are 0..numLabels-1 (1000 for ImageNet)
     * @param skipBad leave out missing, empty and undecodable files instead of failing, and count them
     */
    public record Options(int crop, double scalePercent, int numLabels, boolean skipBad) {
        public Options {
            new VggPreprocessing(crop, scalePercent); // validates both
            if (numLabels < 1) {
                throw new QtuneException("number of labels must be at least 1, got " + numLabels);
            }
        }

        /** MLPerf ResNet50: 224 crop, 87.5%, 1000 labels, bad files are errors. */
        public static Options defaults() {
            return new Options(VggPreprocessing.MLPERF_CROP, VggPreprocessing.MLPERF_SCALE_PERCENT, 1000, false);
        }

        public Options withSkipBad(boolean skip) {
            return new Options(crop, scalePercent, numLabels, skip);
        }

        public Options withCrop(int newCrop, double newScalePercent) {
            return new Options(newCrop, newScalePercent, numLabels, skipBad);
        }

        public Options withNumLabels(int n) {
            return new Options(crop, scalePercent, n, skipBad);
        }
    }

    /** A listed file that was left out: its name, where it was listed ({@code list:line}) and why. */
    public record BadFile(String file, String listedAt, String reason) {
        @Override
        public String toString() {
            return file + " (" + listedAt + "): " + reason;
        }
    }

    private record Entry(String file, int label, int line) {}

    private final Path imageDir;
    private final Path list;
    private final Options options;
    private final VggPreprocessing preprocessing;
    private final List<Entry> entries;
    private final List<BadFile> skipped;

    private ImageNetDataset(Path imageDir, Path list, Options options, List<Entry> listed) {
        this.imageDir = imageDir;
        this.list = list;
        this.options = options;
        this.preprocessing = new VggPreprocessing(options.crop(), options.scalePercent());
        VggPreprocessing.requireOpenCv(); // the file check below asks OpenCV which signatures it decodes
        List<Entry> kept = new ArrayList<>(listed.size());
        List<BadFile> bad = new ArrayList<>();
        for (Entry e : listed) {
            String problem = checkFile(imageDir.resolve(e.file()));
            if (problem == null) {
                kept.add(e);
            } else if (options.skipBad()) {
                bad.add(new BadFile(e.file(), list + ":" + e.line(), problem));
            } else {
                throw new QtuneException(list + ":" + e.line() + ": " + imageDir.resolve(e.file()) + ": " + problem
                        + "; fix or remove the line, or skip bad files");
            }
        }
        if (kept.isEmpty()) {
            throw new QtuneException(list + ": none of the " + listed.size() + " listed images is usable"
                    + (bad.isEmpty() ? "" : " (first: " + bad.get(0) + ")"));
        }
        this.entries = List.copyOf(kept);
        this.skipped = List.copyOf(bad);
    }

    /** Labelled validation images from a val_map.txt: one {@code <file> <label>} per line. */
    public static ImageNetDataset validation(Path imageDir, Path valMap, Options options) {
        checkDir(imageDir);
        return new ImageNetDataset(imageDir, valMap, options, parse(valMap, true, options.numLabels()));
    }

    /** Unlabelled calibration images from a list of bare file names; {@link #label} is -1. */
    public static ImageNetDataset calibration(Path imageDir, Path calList, Options options) {
        checkDir(imageDir);
        return new ImageNetDataset(imageDir, calList, options, parse(calList, false, options.numLabels()));
    }

    private static void checkDir(Path imageDir) {
        if (!Files.isDirectory(imageDir)) {
            throw new QtuneException(imageDir + ": image directory not found");
        }
    }

    private static List<Entry> parse(Path list, boolean labelled, int numLabels) {
        String expected = labelled
                ? "expected '<image file> <label 0.." + (numLabels - 1) + ">'"
                : "expected one bare image file name (a calibration list has no labels)";
        List<Entry> out = new ArrayList<>();
        Map<String, Integer> firstLine = new HashMap<>();
        try (BufferedReader in = Files.newBufferedReader(list, StandardCharsets.UTF_8)) {
            String raw;
            int lineNo = 0;
            while ((raw = in.readLine()) != null) {
                lineNo++;
                String line = raw.strip(); // tolerates CRLF and trailing blanks
                if (line.isEmpty()) {
                    continue;
                }
                String[] fields = line.split("\\s+");
                String where = list + ":" + lineNo + ": ";
                if (fields.length != (labelled ? 2 : 1)) {
                    throw new QtuneException(where + expected + ", got '" + abbreviate(line) + "'");
                }
                int label = -1;
                if (labelled) {
                    try {
                        label = Integer.parseInt(fields[1]);
                    } catch (NumberFormatException e) {
                        throw new QtuneException(where + expected + ", got label '" + abbreviate(fields[1]) + "'");
                    }
                    if (label < 0 || label >= numLabels) {
                        throw new QtuneException(where + "label " + label + " is outside 0.." + (numLabels - 1));
                    }
                }
                Integer previous = firstLine.putIfAbsent(fields[0], lineNo);
                if (previous != null) {
                    throw new QtuneException(where + fields[0] + " is listed twice (first at line " + previous + ")");
                }
                out.add(new Entry(fields[0], label, lineNo));
            }
        } catch (IOException e) {
            throw new QtuneException(list + ": cannot read the image list: " + e, e);
        }
        if (out.isEmpty()) {
            throw new QtuneException(list + ": the image list is empty");
        }
        return out;
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    /** Why a listed file cannot be used, or null when it looks fine; reads only its first bytes. */
    static String checkFile(Path file) {
        if (!Files.isRegularFile(file)) {
            return Files.exists(file) ? "not a regular file" : "no such file";
        }
        try {
            if (Files.size(file) == 0) {
                return "empty file";
            }
        } catch (IOException e) {
            return "cannot read: " + e.getMessage();
        }
        if (!Files.isReadable(file)) {
            return "not readable";
        }
        if (!haveImageReader(file.toString())) {
            return "not an image (no JPEG/PNG/... signature that OpenCV can decode)";
        }
        return null;
    }

    public Path imageDir() {
        return imageDir;
    }

    /** The val_map or calibration list this set was read from. */
    public Path list() {
        return list;
    }

    public Options options() {
        return options;
    }

    public VggPreprocessing preprocessing() {
        return preprocessing;
    }

    /** Listed files left out under {@link Options#skipBad()}, in list order; empty otherwise. */
    public List<BadFile> skipped() {
        return skipped;
    }

    public int skippedCount() {
        return skipped.size();
    }

    /** Where image i was listed, as {@code list:line}. */
    public String listedAt(int i) {
        return list + ":" + entries.get(i).line();
    }

    public Path path(int i) {
        return imageDir.resolve(entries.get(i).file());
    }

    @Override
    public int size() {
        return entries.size();
    }

    @Override
    public int height() {
        return options.crop();
    }

    @Override
    public int width() {
        return options.crop();
    }

    @Override
    public int numLabels() {
        return options.numLabels();
    }

    @Override
    public int label(int i) {
        return entries.get(i).label();
    }

    @Override
    public String id(int i) {
        return entries.get(i).file();
    }

    /** Image i as crop*crop*3 uint8 RGB, row-major HWC: the preprocessed image before mean subtraction. */
    public byte[] loadRgbCrop(int i) {
        Path file = path(i);
        String source = file + " (listed at " + listedAt(i) + ")";
        byte[] encoded;
        try {
            encoded = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new QtuneException(source + ": cannot read: " + e, e);
        }
        return preprocessing.rgbCrop(encoded, source);
    }

    @Override
    public void load(int i, float[] dst, int offset) {
        Objects.checkFromIndexSize(offset, preprocessing.floatsPerImage(), dst.length);
        VggPreprocessing.subtractMeans(loadRgbCrop(i), dst, offset);
    }

    @Override
    public String toString() {
        return "ImageNet " + (entries.get(0).label() < 0 ? "calibration" : "validation") + " set of " + size()
                + " images from " + list + " in " + imageDir + (skipped.isEmpty() ? "" : ", " + skipped.size()
                + " bad files skipped") + ", " + preprocessing;
    }
}
