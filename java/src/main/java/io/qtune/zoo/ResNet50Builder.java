package io.qtune.zoo;

import io.qtune.AtomicFiles;

import io.qtune.tf.TfModel;
import io.qtune.zoo.ResNet50Topology.Conv;
import io.qtune.zoo.ResNet50Topology.Role;
import io.qtune.data.Gaussian;
import io.qtune.data.SyntheticImages;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import com.google.protobuf.CodedOutputStream;
import org.tensorflow.proto.GraphDef;

/**
 * Builds frozen FP32 ResNet50-v1.5 GraphDefs in the exact node layout and naming of MLPerf's
 * {@code resnet50_v1.pb}, either with given weights (a trained model) or with synthetic weights.
 *
 * <p>Synthetic weights are He-normal kernels (with a per-output-channel scale spread, as trained networks have)
 * and batch norms whose moving statistics are the real batch moments of every layer on a sample of
 * {@link SyntheticImages}: TF runs a calibration variant of the graph once, so each layer sees its inputs
 * normalized exactly as the frozen graph will normalize them. Betas of block-final batch norms are set from the
 * mean of the shortcut so every residual ReLU stays alive, and the dense layer is centred and scaled so logits
 * spread over a few units. The same spec gives the same bytes.
 */
public final class ResNet50Builder {
    /** Standard deviation across classes of a typical image's logits. */
    static final double LOGIT_STD = 3.0;

    private ResNet50Builder() {}

    /** A built graph with the topology it was built from. */
    public record Model(GraphDef graph, ResNet50Topology topology) {
        public long parameterCount() {
            return topology.parameterCount();
        }

        public long macsPerImage() {
            return topology.macsPerImage();
        }
    }

    /** A model with synthetic, data-calibrated weights. */
    public static Model build(ResNet50Spec spec) {
        ResNet50Topology topo = new ResNet50Topology(spec);
        SplittableRandom weightRandom = new SplittableRandom(spec.seed());

        List<float[]> kernels = new ArrayList<>();
        List<ResNet50Weights.BatchNorm> draft = new ArrayList<>();
        Map<Integer, float[]> residualGain = new HashMap<>();
        for (Conv c : topo.convs()) {
            Gaussian g = new Gaussian(weightRandom.split());
            kernels.add(heNormal(c, g));
            float[] gamma = new float[c.outChannels()];
            float[] beta = new float[c.outChannels()];
            for (int i = 0; i < gamma.length; i++) {
                switch (c.role()) {
                    // the block-final BN is small so the residual stream grows slowly; its beta is calibrated
                    case EXPAND -> gamma[i] = (float) g.uniform(0.15, 0.45);
                    case PROJECTION -> {
                        gamma[i] = (float) g.uniform(0.4, 0.9);
                        beta[i] = (float) g.uniform(-0.2, 0.2);
                    }
                    default -> {
                        gamma[i] = (float) g.uniform(0.5, 1.5);
                        beta[i] = (float) g.uniform(-0.3, 0.3);
                    }
                }
            }
            if (c.role() == Role.EXPAND) {
                float[] gain = new float[c.outChannels()];
                for (int i = 0; i < gain.length; i++) gain[i] = (float) g.uniform(0.8, 1.2);
                residualGain.put(c.index(), gain);
            }
            draft.add(new ResNet50Weights.BatchNorm(gamma, beta, null, null));
        }
        Gaussian dg = new Gaussian(weightRandom.split());
        float[] dense = new float[topo.finalChannels() * topo.classes()];
        for (int i = 0; i < dense.length; i++) dense[i] = (float) dg.next();
        float[] bias = new float[topo.classes()];

        ResNet50Weights draftWeights = ResNet50Weights.of(kernels, draft, dense, bias);
        Calibration cal = calibrate(topo, draftWeights, residualGain);

        List<ResNet50Weights.BatchNorm> bns = new ArrayList<>();
        for (Conv c : topo.convs()) {
            ResNet50Weights.BatchNorm d = draft.get(c.index());
            float[] beta = c.role() == Role.EXPAND ? cal.beta.get(c.index()) : d.beta();
            bns.add(new ResNet50Weights.BatchNorm(d.gamma(), beta, cal.mean.get(c.index()), cal.variance.get(c.index())));
        }
        centreDense(topo, cal.features, cal.images, dense, bias);
        return build(spec, ResNet50Weights.of(kernels, bns, dense, bias));
    }

    /** A model with the given weights (e.g. trained ones); they are checked against the topology. */
    public static Model build(ResNet50Spec spec, ResNet50Weights weights) {
        ResNet50Topology topo = new ResNet50Topology(spec);
        return new Model(ResNet50GraphWriter.inference(topo, weights), topo);
    }

    /** Writes the graph atomically (temp file in the same folder, then rename) and returns its size in bytes. */
    public static long write(GraphDef graph, Path out) {
        byte[] bytes = serialize(graph);
        AtomicFiles.write(out, bytes);
        return bytes.length;
    }

    /** The graph's bytes with deterministic serialization (map fields in key order). */
    public static byte[] serialize(GraphDef graph) {
        try {
            byte[] bytes = new byte[graph.getSerializedSize()];
            CodedOutputStream cos = CodedOutputStream.newInstance(bytes);
            cos.useDeterministicSerialization();
            graph.writeTo(cos);
            cos.checkNoSpaceLeft();
            return bytes;
        } catch (IOException e) {
            throw new IllegalStateException("serializing a GraphDef into an array failed", e);
        }
    }

    /** He-normal HWIO kernel, each output channel scaled by a log-normal factor so per-channel ranges differ. */
    private static float[] heNormal(Conv c, Gaussian g) {
        int out = c.outChannels();
        double std = Math.sqrt(2.0 / (c.kernel() * c.kernel() * c.inChannels()));
        double[] channelScale = new double[out];
        for (int o = 0; o < out; o++) channelScale[o] = StrictMath.exp(0.35 * g.next());
        float[] k = new float[c.kernelSize()];
        for (int i = 0; i < k.length; i++) k[i] = (float) (std * channelScale[i % out] * g.next());
        return k;
    }

    private record Calibration(Map<Integer, float[]> mean, Map<Integer, float[]> variance, Map<Integer, float[]> beta,
                               float[] features, int images) {}

    /**
     * Number of calibration images: at least 32, since with fewer the statistics fit those few images and fresh
     * images get much wider deep activations and logits (measured: 3-5x at 224 with 11 images); more when the
     * last stage is small, so each channel still sees enough values; at most 64 for speed.
     */
    static int calibrationImages(ResNet50Topology topo) {
        int last = topo.finalSize() * topo.finalSize();
        return Math.max(32, Math.min(64, (1024 + last - 1) / last));
    }

    /** The images whose batch moments become the moving statistics (NHWC, {@link #calibrationImages} of them). */
    static float[] calibrationBatch(ResNet50Topology topo) {
        // a stream of its own, so image generation never shifts the weights' random numbers
        long imageSeed = new SplittableRandom(~topo.spec().seed()).nextLong();
        return SyntheticImages.batch(calibrationImages(topo), topo.spec().imageSize(), imageSeed);
    }

    private static Calibration calibrate(ResNet50Topology topo, ResNet50Weights weights, Map<Integer, float[]> gain) {
        int n = calibrationImages(topo);
        int s = topo.spec().imageSize();
        float[] images = calibrationBatch(topo);
        List<String> fetches = new ArrayList<>();
        for (Conv c : topo.convs()) {
            fetches.add(ResNet50GraphWriter.calibMean(c));
            fetches.add(ResNet50GraphWriter.calibVariance(c));
            if (c.role() == Role.EXPAND) fetches.add(ResNet50GraphWriter.calibBeta(c));
        }
        fetches.add(ResNet50GraphWriter.SQUEEZE);
        Map<String, float[]> got;
        // one intra-op thread: reductions then add up in one fixed order, so the bytes do not depend on the core count
        try (TfModel tf = TfModel.fromGraphDef(ResNet50GraphWriter.calibration(topo, weights, gain),
                "calibration graph of " + topo.spec(), 1)) {
            got = tf.run(ResNet50GraphWriter.INPUT, images, new long[] {n, s, s, 3}, fetches);
        }
        Map<Integer, float[]> mean = new HashMap<>();
        Map<Integer, float[]> variance = new HashMap<>();
        Map<Integer, float[]> beta = new HashMap<>();
        for (Conv c : topo.convs()) {
            mean.put(c.index(), got.get(ResNet50GraphWriter.calibMean(c)));
            variance.put(c.index(), got.get(ResNet50GraphWriter.calibVariance(c)));
            if (c.role() == Role.EXPAND) beta.put(c.index(), got.get(ResNet50GraphWriter.calibBeta(c)));
        }
        return new Calibration(mean, variance, beta, got.get(ResNet50GraphWriter.SQUEEZE), n);
    }

    /**
     * Centres each logit over the calibration images (bias = -mean) and scales kernel and bias so a typical
     * image's logits have standard deviation {@link #LOGIT_STD}: top-1 then stands clear of top-2 on most inputs.
     */
    private static void centreDense(ResNet50Topology topo, float[] features, int n, float[] kernel, float[] bias) {
        int cin = topo.finalChannels();
        int classes = topo.classes();
        // Pooled ReLU features mostly differ between images by an overall scale along their mean direction; a
        // kernel with a component along it makes the same two classes win for every high- or low-contrast image.
        double[] u = new double[cin];
        for (int i = 0; i < n; i++) for (int k = 0; k < cin; k++) u[k] += features[i * cin + k];
        double norm = 0;
        for (double x : u) norm += x * x;
        norm = Math.sqrt(norm);
        if (norm > 0) {
            for (int k = 0; k < cin; k++) u[k] /= norm;
            for (int c = 0; c < classes; c++) {
                double dot = 0;
                for (int k = 0; k < cin; k++) dot += u[k] * kernel[k * classes + c];
                for (int k = 0; k < cin; k++) kernel[k * classes + c] = (float) (kernel[k * classes + c] - u[k] * dot);
            }
        }
        double[] logits = new double[n * classes];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < cin; k++) {
                double f = features[i * cin + k];
                int row = k * classes;
                for (int c = 0; c < classes; c++) logits[i * classes + c] += f * kernel[row + c];
            }
        }
        double[] mean = new double[classes];
        for (int i = 0; i < n; i++) for (int c = 0; c < classes; c++) mean[c] += logits[i * classes + c] / n;
        // scale by the median over images of the logits' spread across classes: a few high-contrast images
        // would otherwise dominate and leave typical images with nearly flat logits
        double[] spread = new double[n];
        for (int i = 0; i < n; i++) {
            double ss = 0;
            for (int c = 0; c < classes; c++) {
                double d = logits[i * classes + c] - mean[c];
                ss += d * d;
            }
            spread[i] = Math.sqrt(ss / classes);
        }
        Arrays.sort(spread);
        double std = n % 2 == 1 ? spread[n / 2] : 0.5 * (spread[n / 2 - 1] + spread[n / 2]);
        double scale = std > 0 ? LOGIT_STD / std : 1.0;
        for (int i = 0; i < kernel.length; i++) kernel[i] = (float) (kernel[i] * scale);
        for (int c = 0; c < classes; c++) bias[c] = (float) (-mean[c] * scale);
    }
}
