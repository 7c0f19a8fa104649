package io.qtune.data;

import io.qtune.QtuneException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A data set named on the command line:
 * {@code fashion-mnist[:train|test]}, {@code imagenet:DIR[,val_map=FILE][,cal=FILE][,skip-bad]},
 * {@code imagefolder:DIR[,classes=FILE][,skip-bad]} ({@link ImageFolder}) or {@code synthetic[:N]}.
 * Images are prepared at the size the model takes.
 */
public final class DataSpec {
    public static final String FORMS = "fashion-mnist[:train|test], imagenet:DIR[,val_map=FILE][,cal=FILE][,skip-bad],"
            + " imagefolder:DIR[,classes=FILE][,skip-bad] (DIR/<class>/<image>) or synthetic[:N] (generated unlabeled images)";

    private DataSpec() {}

    public static LabeledImages open(String spec, int imageSize) {
        if (spec == null || spec.isBlank()) throw new QtuneException("empty data spec: use " + FORMS);
        int colon = spec.indexOf(':');
        String kind = colon < 0 ? spec : spec.substring(0, colon);
        String rest = colon < 0 ? "" : spec.substring(colon + 1);
        return switch (kind) {
            case "fashion-mnist" -> switch (rest) {
                case "", "test" -> fashionMnist(FashionMnist.Split.TEST, imageSize);
                case "train" -> fashionMnist(FashionMnist.Split.TRAIN, imageSize);
                default -> throw new QtuneException("data spec '" + spec + "': fashion-mnist split must be train or test");
            };
            case "imagenet" -> imageNet(spec, rest, imageSize);
            case "imagefolder" -> imageFolder(spec, rest, imageSize);
            case "synthetic" -> {
                try {
                    yield new SyntheticData(rest.isEmpty() ? SyntheticData.DEFAULT_COUNT : Integer.parseInt(rest), imageSize);
                } catch (NumberFormatException e) {
                    throw new QtuneException("data spec '" + spec + "': synthetic takes an image count, e.g. synthetic:500");
                }
            }
            default -> throw new QtuneException("data spec '" + spec + "': unknown data set '" + kind + "' (use " + FORMS + ")");
        };
    }

    /** Bilinear resizing to the model's size: how the embedded proxy model was trained. */
    private static LabeledImages fashionMnist(FashionMnist.Split split, int imageSize) {
        return FashionMnist.open(FashionMnist.DEBIAN_DIR, split, imageSize, FashionMnist.Resize.BILINEAR);
    }

    private static LabeledImages imageFolder(String spec, String rest, int imageSize) {
        String[] parts = rest.split(",");
        if (parts[0].isBlank()) throw new QtuneException("data spec '" + spec + "': imagefolder needs a directory, e.g. imagefolder:/data/photos");
        Path dir = Path.of(parts[0]);
        if (!Files.isDirectory(dir)) throw new QtuneException("data spec '" + spec + "': " + dir + " is not a directory");
        Path classes = null;
        boolean skipBad = false;
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            if (kv[0].equals("classes") && kv.length == 2 && !kv[1].isBlank()) classes = Path.of(kv[1]);
            else if (parts[i].equals("skip-bad")) skipBad = true;
            else throw new QtuneException("data spec '" + spec + "': unknown option '" + parts[i] + "' (classes=FILE, skip-bad)");
        }
        return ImageFolder.open(dir, classes, imageSize, skipBad);
    }

    private static LabeledImages imageNet(String spec, String rest, int imageSize) {
        String[] parts = rest.split(",");
        if (parts[0].isBlank()) throw new QtuneException("data spec '" + spec + "': imagenet needs a directory, e.g. imagenet:/data/val");
        Path dir = Path.of(parts[0]);
        if (!Files.isDirectory(dir)) throw new QtuneException("data spec '" + spec + "': " + dir + " is not a directory");
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            if (!kv[0].equals("val_map") && !kv[0].equals("cal") && !kv[0].equals("skip-bad")) {
                throw new QtuneException("data spec '" + spec + "': unknown option '" + kv[0] + "' (val_map=FILE, cal=FILE, skip-bad)");
            }
            opts.put(kv[0], kv.length > 1 ? kv[1] : "");
        }
        ImageNetDataset.Options o = ImageNetDataset.Options.defaults();
        o = new ImageNetDataset.Options(imageSize, o.scalePercent(), o.numLabels(), opts.containsKey("skip-bad"));
        if (opts.containsKey("cal")) return ImageNetDataset.calibration(dir, Path.of(opts.get("cal")), o);
        Path valMap = opts.containsKey("val_map") ? Path.of(opts.get("val_map")) : dir.resolve("val_map.txt");
        return ImageNetDataset.validation(dir, valMap, o);
    }
}
