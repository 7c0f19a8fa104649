package io.qtune.cli;

import io.qtune.data.FashionMnist;
import io.qtune.zoo.ProxyTrainer;
import io.qtune.zoo.ResNet50Builder;
import io.qtune.zoo.ResNet50Spec;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code qtune zoo ...}: writes ready-made models. */
@Command(name = "zoo", mixinStandardHelpOptions = true,
        description = "Write ready-made FP32 models in the MLPerf ResNet50 layout.",
        subcommands = {ZooCommand.ResNet50.class, ZooCommand.TrainProxy.class})
public final class ZooCommand implements Runnable {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code qtune zoo resnet50}: a frozen ResNet50-v1.5 with synthetic, data-calibrated weights. */
    @Command(name = "resnet50", mixinStandardHelpOptions = true,
            description = {"Write a frozen FP32 ResNet50-v1.5 GraphDef with the node names and layout of MLPerf's "
                    + "resnet50_v1.pb (input_tensor -> ArgMax, softmax_tensor).",
                    "Weights are synthetic and deterministic for the seed; batch-norm statistics are measured on "
                    + "generated images so every layer has a realistic spread."})
    static final class ResNet50 implements Runnable {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the GraphDef (.pb).")
        Path out;

        @Option(names = "--seed", defaultValue = "0", paramLabel = "N",
                description = "Seed of the weights and calibration images (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--width-multiplier", defaultValue = "1.0", paramLabel = "W",
                description = "Scales the filters of every stage (64,128,256,512); 1.0 is the real ResNet50 (default: ${DEFAULT-VALUE}).")
        double width;

        @Option(names = "--image-size", defaultValue = "224", paramLabel = "S",
                description = "Input height and width, at least 32 (default: ${DEFAULT-VALUE}).")
        int imageSize;

        @Option(names = "--classes", defaultValue = "1001", paramLabel = "C",
                description = "Outputs of the dense layer; MLPerf's 1001 includes background class 0 (default: ${DEFAULT-VALUE}).")
        int classes;

        @Override
        public void run() {
            io.qtune.OutputPaths.check("--out", out);
            ResNet50Spec s = new ResNet50Spec(width, imageSize, classes, seed);
            ResNet50Builder.Model model = ResNet50Builder.build(s);
            long bytes = ResNet50Builder.write(model.graph(), out);
            spec.commandLine().getOut().println(String.format(Locale.ROOT,
                    "wrote %s (%d bytes): ResNet50-v1.5 width %s, %dx%d, %d classes, seed %d, %d params (%.2fM), %.3f GMAC/image",
                    out, bytes, width, imageSize, imageSize, classes, seed, model.parameterCount(),
                    model.parameterCount() / 1e6, model.macsPerImage() / 1e9));
        }
    }

    /** {@code qtune zoo train-proxy}: trains the Fashion-MNIST proxy ResNet50 and writes it with a JSON sidecar. */
    @Command(name = "train-proxy", mixinStandardHelpOptions = true,
            description = {"Train the full ResNet50-v1.5 topology, width-reduced, on Fashion-MNIST with TF Java and write it "
                    + "as a frozen GraphDef in the MLPerf layout (11 outputs, 0 = background), plus FILE.json with how it was made.",
                    "Test top-1 of the frozen graph on the 10,000 test images is printed after every epoch."})
    static final class TrainProxy implements Runnable {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the GraphDef (.pb); the sidecar goes beside it as .json.")
        Path out;

        @Option(names = "--data-dir", paramLabel = "DIR", description = "Folder with the Fashion-MNIST IDX files (default: ${DEFAULT-VALUE}).",
                defaultValue = "/usr/share/datasets/fashion-mnist")
        Path dataDir;

        @Option(names = "--width-multiplier", defaultValue = "0.125", paramLabel = "W",
                description = "Width multiplier of the ResNet50 stages (default: ${DEFAULT-VALUE}).")
        double width;

        @Option(names = "--image-size", defaultValue = "48", paramLabel = "S",
                description = "Model input size; the 28x28 images are resized to it (default: ${DEFAULT-VALUE}).")
        int imageSize;

        @Option(names = "--resize", defaultValue = "BILINEAR", paramLabel = "MODE",
                description = "How 28x28 becomes SxS: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
        FashionMnist.Resize resize;

        @Option(names = "--epochs", defaultValue = "15", paramLabel = "N", description = "Passes over the training set (default: ${DEFAULT-VALUE}).")
        int epochs;

        @Option(names = "--batch-size", defaultValue = "128", paramLabel = "B", description = "Images per step (default: ${DEFAULT-VALUE}).")
        int batchSize;

        @Option(names = "--learning-rate", defaultValue = "0.05", paramLabel = "LR",
                description = "Peak learning rate after one epoch of warm-up; cosine decay to 0 (default: ${DEFAULT-VALUE}).")
        double learningRate;

        @Option(names = "--weight-decay", defaultValue = "5e-4", paramLabel = "WD", description = "L2 on kernels (default: ${DEFAULT-VALUE}).")
        double weightDecay;

        @Option(names = "--max-shift", defaultValue = "3", paramLabel = "PX",
                description = "Largest random shift in pixels; > 0 also enables random horizontal flips (default: ${DEFAULT-VALUE}).")
        int maxShift;

        @Option(names = "--seed", defaultValue = "0", paramLabel = "N", description = "Seed of weights, shuffling and augmentation (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--threads", defaultValue = "2", paramLabel = "T", description = "TF intra-op threads (default: ${DEFAULT-VALUE}).")
        int threads;

        @Option(names = "--log-every", defaultValue = "100", paramLabel = "N", description = "Log every N steps (default: ${DEFAULT-VALUE}).")
        int logEvery;

        @Option(names = "--train-limit", defaultValue = "0", paramLabel = "N",
                description = "Train on the first N images only, 0 for all 60,000 (default: ${DEFAULT-VALUE}).")
        int trainLimit;

        @Override
        public void run() {
            io.qtune.OutputPaths.check(List.of(new io.qtune.OutputPaths.Output("--out", out),
                    new io.qtune.OutputPaths.Output("sidecar", ProxyTrainer.sidecarPath(out))), List.of());
            ProxyTrainer.Config cfg = new ProxyTrainer.Config(width, imageSize, epochs, batchSize, learningRate, 0.9,
                    weightDecay, 0.99, maxShift, seed, threads, logEvery, trainLimit);
            FashionMnist train = FashionMnist.open(dataDir, FashionMnist.Split.TRAIN, imageSize, resize);
            FashionMnist test = FashionMnist.open(dataDir, FashionMnist.Split.TEST, imageSize, resize);
            PrintWriter w = spec.commandLine().getOut();
            ProxyTrainer.Trained t = ProxyTrainer.train(cfg, train, test, line -> {
                w.println(line);
                w.flush();
            });
            List<Path> files = new ArrayList<>();
            for (String f : new String[] {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
                Path gz = dataDir.resolve(f + ".gz");
                files.add(Files.isRegularFile(gz) ? gz : dataDir.resolve(f));
            }
            String sha = ProxyTrainer.export(t, cfg, resize.name().toLowerCase(Locale.ROOT), files, out);
            w.println(String.format(Locale.ROOT,
                    "wrote %s (sha256 %s) and %s: test top-1 %.4f on %d images, trained %.0f s, %d params",
                    out, sha, ProxyTrainer.sidecarPath(out), t.testTop1(), t.testImages(), t.trainSeconds(),
                    t.model().parameterCount()));
            w.flush();
        }
    }
}
