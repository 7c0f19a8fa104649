package io.qtune.cli;

import io.qtune.zoo.ResNet50Builder;
import io.qtune.zoo.ResNet50Spec;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code qtune zoo ...}: writes ready-made models. */
@Command(name = "zoo", mixinStandardHelpOptions = true,
        description = "Write ready-made FP32 models in the MLPerf ResNet50 layout.",
        subcommands = {ZooCommand.ResNet50.class})
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
            ResNet50Spec s = new ResNet50Spec(width, imageSize, classes, seed);
            ResNet50Builder.Model model = ResNet50Builder.build(s);
            long bytes = ResNet50Builder.write(model.graph(), out);
            spec.commandLine().getOut().println(String.format(Locale.ROOT,
                    "wrote %s (%d bytes): ResNet50-v1.5 width %s, %dx%d, %d classes, seed %d, %d params (%.2fM), %.3f GMAC/image",
                    out, bytes, width, imageSize, imageSize, classes, seed, model.parameterCount(),
                    model.parameterCount() / 1e6, model.macsPerImage() / 1e9));
        }
    }
}
