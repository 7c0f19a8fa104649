package io.qtune.zoo;

import io.qtune.AtomicFiles;
import io.qtune.Json;
import io.qtune.Sha256;

import io.qtune.QtuneException;
import io.qtune.data.LabeledImages;
import io.qtune.platform.TfOnednn;
import io.qtune.tf.TfModel;
import io.qtune.zoo.ResNet50Topology.Conv;
import io.qtune.zoo.ResNet50Topology.Role;
import io.qtune.data.Gaussian;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.Locale;
import java.util.SplittableRandom;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.op.train.ApplyMomentum;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Trains the full ResNet50-v1.5 topology of {@link ResNet50Topology} (width-reduced) on labelled images with TF
 * Java in graph mode, then exports it through {@link ResNet50Builder} as a frozen graph in the MLPerf layout.
 *
 * <p>Outputs are {@code numLabels + 1}: label k trains output k+1 and output 0 is a background class no image
 * carries, as in 1001-class ImageNet models. Training uses FusedBatchNormV3 in training mode with moving averages
 * updated every step, softmax cross-entropy written as oneHot * logSoftmax (TF Java has no gradient for the sparse
 * op), Nesterov momentum SGD with linear warm-up and cosine decay, weight decay on kernels, and random shifts and
 * horizontal flips. Test accuracy is measured each epoch on the exported frozen graph, not the training graph.
 */
public final class ProxyTrainer {
    /**
     * Training settings.
     *
     * @param width width multiplier of the ResNet50 stages
     * @param imageSize input size; must equal the data's height and width
     * @param epochs passes over the training set
     * @param batchSize images per step
     * @param learningRate peak learning rate (after one epoch of linear warm-up)
     * @param momentum Nesterov momentum
     * @param weightDecay L2 coefficient on conv and dense kernels
     * @param bnMomentum decay of the batch-norm moving averages per step
     * @param maxShift largest random translation in pixels (0 disables); flips are on whenever this is > 0
     * @param seed seed of initial weights, shuffling and augmentation
     * @param threads TF intra-op threads
     * @param logEvery log every this many steps
     * @param trainLimit use only the first this many training images (0: all)
     */
    public record Config(double width, int imageSize, int epochs, int batchSize, double learningRate, double momentum,
                         double weightDecay, double bnMomentum, int maxShift, long seed, int threads, int logEvery,
                         int trainLimit) {
        public Config {
            if (epochs < 1) throw new io.qtune.InvalidSetting("epochs", "must be at least 1, got " + epochs);
            if (batchSize < 2) throw new io.qtune.InvalidSetting("batchSize", "must be at least 2 (batch norm needs a batch), got " + batchSize);
            if (!(learningRate > 0)) throw new io.qtune.InvalidSetting("learningRate", "must be positive, got " + learningRate);
            if (momentum < 0 || momentum >= 1) throw new QtuneException("momentum must be in [0,1), got " + momentum);
            if (weightDecay < 0) throw new QtuneException("weight decay must be >= 0, got " + weightDecay);
            if (bnMomentum < 0 || bnMomentum >= 1) throw new QtuneException("batch-norm momentum must be in [0,1), got " + bnMomentum);
            if (maxShift < 0) throw new io.qtune.InvalidSetting("maxShift", "must be >= 0, got " + maxShift);
            if (threads < 1) throw new io.qtune.InvalidSetting("threads", "must be at least 1, got " + threads);
            if (logEvery < 1) throw new io.qtune.InvalidSetting("logEvery", "must be at least 1, got " + logEvery);
            if (trainLimit < 0) throw new io.qtune.InvalidSetting("trainLimit", "must be >= 0, got " + trainLimit);
        }
    }

    /** A trained model and how it was made. */
    public record Trained(ResNet50Builder.Model model, double testTop1, int testImages, double trainSeconds,
                         List<Double> epochTop1, int steps, int trainImages) {}

    /**
     * The training graph multiplies the 0..255-scale input by this before the stem, so the stem's gradients have
     * the scale of the other layers' (plain SGD was unstable on raw pixel values); a power of two, so folding it
     * into the exported stem kernel is exact.
     */
    static final float INPUT_SCALE = 1f / 64;

    private ProxyTrainer() {}

    /** Trains on {@code train}, measures top-1 of the exported graph on {@code test} after every epoch. */
    public static Trained train(Config cfg, LabeledImages train, LabeledImages test, Consumer<String> log) {
        int s = cfg.imageSize();
        for (LabeledImages d : List.of(train, test)) {
            if (d.height() != s || d.width() != s) {
                throw new QtuneException("data images are " + d.height() + "x" + d.width() + " but the model input is " + s + "x" + s);
            }
        }
        if (train.numLabels() != test.numLabels()) throw new QtuneException("training and test data have different label sets");
        TfOnednn.start(TfOnednn.Kind.FP32, "proxy training"); // before TF loads
        ResNet50Spec spec = new ResNet50Spec(cfg.width(), s, train.numLabels() + 1, cfg.seed());
        ResNet50Topology topo = new ResNet50Topology(spec);
        int n = cfg.trainLimit() > 0 ? Math.min(cfg.trainLimit(), train.size()) : train.size();
        int stepsPerEpoch = n / cfg.batchSize();
        if (stepsPerEpoch < 1) throw new QtuneException("batch size " + cfg.batchSize() + " exceeds the " + n + " training images");
        int totalSteps = stepsPerEpoch * cfg.epochs();
        log.accept(String.format(Locale.ROOT, "proxy: ResNet50-v1.5 width %s, %dx%d, %d outputs, %d params, %.1f MMAC/image; %d images, %d epochs x %d steps of %d",
                cfg.width(), s, s, spec.classes(), topo.parameterCount(), topo.macsPerImage() / 1e6, n, cfg.epochs(),
                stepsPerEpoch, cfg.batchSize()));

        long start = System.nanoTime();
        List<Double> epochTop1 = new ArrayList<>();
        ResNet50Builder.Model model = null;
        double top1 = 0;
        try (TrainingGraph g = new TrainingGraph(topo, cfg)) {
            SplittableRandom rng = new SplittableRandom(cfg.seed() ^ 0x5DEECE66DL);
            int hwc = s * s * 3;
            float[] images = new float[cfg.batchSize() * hwc];
            int[] labels = new int[cfg.batchSize()];
            float[] scratch = new float[hwc];
            int step = 0;
            for (int epoch = 1; epoch <= cfg.epochs(); epoch++) {
                int[] order = permutation(n, rng);
                double lossSum = 0;
                int correct = 0;
                int seen = 0;
                for (int b = 0; b < stepsPerEpoch; b++, step++) {
                    for (int j = 0; j < cfg.batchSize(); j++) {
                        int idx = order[b * cfg.batchSize() + j];
                        train.load(idx, scratch, 0);
                        augment(scratch, images, j * hwc, s, cfg.maxShift(), rng);
                        labels[j] = train.label(idx) + 1;
                    }
                    float lr = (float) learningRate(cfg, step, stepsPerEpoch, totalSteps);
                    float[] lossAndCorrect = g.step(images, labels, lr);
                    lossSum += lossAndCorrect[0];
                    correct += (int) lossAndCorrect[1];
                    seen += cfg.batchSize();
                    if (!Float.isFinite(lossAndCorrect[0])) {
                        throw io.qtune.InvalidSetting.mentioning("training diverged at step " + step + " (loss " + lossAndCorrect[0] + "); lower ", "learningRate", "");
                    }
                    if ((step + 1) % cfg.logEvery() == 0) {
                        log.accept(String.format(Locale.ROOT, "epoch %d step %d/%d lr %.4f loss %.4f train-top1 %.4f (%.0fs)", epoch, step + 1,
                                totalSteps, lr, lossSum / (b + 1), correct / (double) seen, (System.nanoTime() - start) / 1e9));
                    }
                }
                model = ResNet50Builder.build(spec, g.weights());
                top1 = top1(model, test, test.size(), cfg.threads());
                epochTop1.add(top1);
                log.accept(String.format(Locale.ROOT, "epoch %d done: loss %.4f train-top1 %.4f test-top1 %.4f (frozen graph, %d images) %.0fs",
                        epoch, lossSum / stepsPerEpoch, correct / (double) seen, top1, test.size(), (System.nanoTime() - start) / 1e9));
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Trained(model, top1, test.size(), seconds, List.copyOf(epochTop1), totalSteps, n);
    }

    /** The sidecar of a model file: "x.pb" -> "x.json". */
    public static Path sidecarPath(Path model) {
        String name = model.getFileName().toString();
        String base = name.endsWith(".pb") ? name.substring(0, name.length() - 3) : name;
        return model.resolveSibling(base + ".json");
    }

    /**
     * Writes the trained model and its JSON sidecar (settings, timing, accuracy, digests of the model and of the
     * data files), both atomically; returns the model's sha256.
     */
    public static String export(Trained t, Config cfg, String resize, List<Path> dataFiles, Path out) {
        byte[] bytes = ResNet50Builder.serialize(t.model().graph());
        String sha = Sha256.hex(bytes);
        Map<String, Object> data = new LinkedHashMap<>();
        for (Path f : dataFiles) data.put(f.getFileName().toString(), Sha256.hex(f));
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("model", "ResNet50-v1.5 (MLPerf resnet50_v1.pb layout), Fashion-MNIST proxy");
        j.put("file", out.getFileName().toString());
        j.put("sha256", sha);
        j.put("bytes", bytes.length);
        j.put("input", "input_tensor [N," + cfg.imageSize() + "," + cfg.imageSize() + ",3] float32 NHWC, gray 0..255 replicated to RGB minus [123.68,116.78,103.94]");
        j.put("outputs", "ArgMax (int64), softmax_tensor; output 0 = background, Fashion-MNIST label k = output k+1");
        j.put("seed", cfg.seed());
        j.put("epochs", cfg.epochs());
        j.put("width_multiplier", cfg.width());
        j.put("image_size", cfg.imageSize());
        j.put("resize", resize);
        j.put("classes", t.model().topology().classes());
        j.put("params", t.model().parameterCount());
        j.put("macs_per_image", t.model().macsPerImage());
        j.put("batch_size", cfg.batchSize());
        j.put("learning_rate", cfg.learningRate());
        j.put("momentum", cfg.momentum());
        j.put("weight_decay", cfg.weightDecay());
        j.put("bn_momentum", cfg.bnMomentum());
        j.put("max_shift", cfg.maxShift());
        j.put("train_images", t.trainImages());
        j.put("steps", t.steps());
        j.put("threads", cfg.threads());
        j.put("train_seconds", Math.round(t.trainSeconds() * 10) / 10.0);
        j.put("test_top1", t.testTop1());
        j.put("test_images", t.testImages());
        j.put("test_top1_per_epoch", t.epochTop1());
        j.put("data_sha256", data);
        j.put("made_by", "qtune zoo train-proxy (io.qtune.zoo.ProxyTrainer), TF Java 1.1.0");
        AtomicFiles.write(out, bytes);
        AtomicFiles.write(sidecarPath(out), (Json.write(j) + "\n").getBytes(StandardCharsets.UTF_8));
        return sha;
    }


    /**
     * Top-1 of a frozen graph on the first {@code limit} images: output {@code label + 1} must win, as in the
     * 1001-class convention where output 0 is background.
     */
    public static double top1(ResNet50Builder.Model model, LabeledImages data, int limit, int threads) {
        try (TfModel tf = TfModel.fromGraphDef(model.graph(), "proxy model", threads)) {
            return top1(tf, data, limit);
        }
    }

    /** Top-1 of a loaded frozen graph ({@code input_tensor} -> {@code ArgMax}) with the +1 label offset. */
    public static double top1(TfModel tf, LabeledImages data, int limit) {
        int n = Math.min(limit, data.size());
        if (n < 1) throw new QtuneException("no images to evaluate");
        int h = data.height();
        int w = data.width();
        int batch = 250;
        float[] buf = new float[batch * h * w * 3];
        int correct = 0;
        for (int start = 0; start < n; start += batch) {
            int m = Math.min(batch, n - start);
            float[] in = m == batch ? buf : new float[m * h * w * 3];
            for (int j = 0; j < m; j++) data.load(start + j, in, j * h * w * 3);
            float[] arg = tf.run(ResNet50GraphWriter.INPUT, in, new long[] {m, h, w, 3}, List.of("ArgMax")).get("ArgMax");
            for (int j = 0; j < m; j++) if ((int) arg[j] == data.label(start + j) + 1) correct++;
        }
        return correct / (double) n;
    }

    /** One epoch of linear warm-up from a tenth of the peak, then cosine decay to zero. */
    static double learningRate(Config cfg, int step, int stepsPerEpoch, int totalSteps) {
        double peak = cfg.learningRate();
        int warm = Math.min(stepsPerEpoch, totalSteps / 2);
        if (step < warm) return peak * (0.1 + 0.9 * step / (double) warm);
        double t = (step - warm) / (double) Math.max(1, totalSteps - warm);
        return peak * 0.5 * (1 + Math.cos(Math.PI * t));
    }

    private static int[] permutation(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /**
     * Random translation by up to maxShift pixels and a horizontal flip, filling with the image's corner pixel
     * (the background: black minus the channel means).
     */
    static void augment(float[] src, float[] dst, int offset, int size, int maxShift, SplittableRandom rng) {
        if (maxShift == 0) {
            System.arraycopy(src, 0, dst, offset, size * size * 3);
            return;
        }
        int dy = rng.nextInt(2 * maxShift + 1) - maxShift;
        int dx = rng.nextInt(2 * maxShift + 1) - maxShift;
        boolean flip = rng.nextBoolean();
        for (int y = 0; y < size; y++) {
            int sy = y - dy;
            for (int x = 0; x < size; x++) {
                int sx0 = flip ? size - 1 - x : x;
                int sx = sx0 - dx;
                int at = offset + (y * size + x) * 3;
                int from = (sy >= 0 && sy < size && sx >= 0 && sx < size) ? (sy * size + sx) * 3 : 0;
                dst[at] = src[from];
                dst[at + 1] = src[from + 1];
                dst[at + 2] = src[from + 2];
            }
        }
    }

    /** The TF training graph, its session and its variables. */
    private static final class TrainingGraph implements AutoCloseable {
        private final ResNet50Topology topo;
        private final Graph graph = new Graph();
        private final Session session;
        private final Ops tf;
        private final Placeholder<TFloat32> input;
        private final Placeholder<TInt32> labels;
        private final Placeholder<TFloat32> lr;
        private final List<Variable<TFloat32>> kernels = new ArrayList<>();
        private final List<Variable<TFloat32>> gammas = new ArrayList<>();
        private final List<Variable<TFloat32>> betas = new ArrayList<>();
        private final List<Variable<TFloat32>> means = new ArrayList<>();
        private final List<Variable<TFloat32>> variances = new ArrayList<>();
        private final List<Op> updates = new ArrayList<>();
        private final Variable<TFloat32> denseKernel;
        private final Variable<TFloat32> denseBias;
        private final Operand<TFloat32> loss;
        private final Operand<TFloat32> correct;
        private final Config cfg;

        TrainingGraph(ResNet50Topology topo, Config cfg) {
            this.topo = topo;
            this.cfg = cfg;
            this.tf = Ops.create(graph);
            int s = topo.spec().imageSize();
            int classes = topo.classes();
            SplittableRandom init = new SplittableRandom(cfg.seed());
            List<Op> initOps = new ArrayList<>();
            List<Variable<TFloat32>> trainable = new ArrayList<>();
            List<Boolean> decayed = new ArrayList<>();

            input = tf.withName("input").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, s, s, 3)));
            labels = tf.withName("labels").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
            lr = tf.withName("learning_rate").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));

            for (Conv c : topo.convs()) {
                Gaussian g = new Gaussian(init.split());
                double std = Math.sqrt(2.0 / (c.kernel() * c.kernel() * c.inChannels()));
                float[] k = new float[c.kernelSize()];
                for (int i = 0; i < k.length; i++) k[i] = (float) (std * g.next());
                // zero-initialised last BN of each block: every block starts as the identity, which trains faster
                float gamma0 = c.role() == Role.EXPAND ? 0f : 1f;
                kernels.add(variable(c.name() + "/kernel", Shape.of(c.kernel(), c.kernel(), c.inChannels(), c.outChannels()), k, initOps));
                gammas.add(variable(c.bnName() + "/gamma", Shape.of(c.outChannels()), filled(c.outChannels(), gamma0), initOps));
                betas.add(variable(c.bnName() + "/beta", Shape.of(c.outChannels()), new float[c.outChannels()], initOps));
                means.add(variable(c.bnName() + "/moving_mean", Shape.of(c.outChannels()), new float[c.outChannels()], initOps));
                variances.add(variable(c.bnName() + "/moving_variance", Shape.of(c.outChannels()), filled(c.outChannels(), 1f), initOps));
                trainable.add(kernels.get(c.index()));
                decayed.add(true);
                trainable.add(gammas.get(c.index()));
                decayed.add(false);
                trainable.add(betas.get(c.index()));
                decayed.add(false);
            }
            int cin = topo.finalChannels();
            Gaussian g = new Gaussian(init.split());
            float[] dk = new float[cin * classes];
            double limit = Math.sqrt(6.0 / (cin + classes));
            for (int i = 0; i < dk.length; i++) dk[i] = (float) g.uniform(-limit, limit);
            denseKernel = variable(ResNet50Topology.SCOPE + "dense/kernel", Shape.of(cin, classes), dk, initOps);
            denseBias = variable(ResNet50Topology.SCOPE + "dense/bias", Shape.of(classes), new float[classes], initOps);
            trainable.add(denseKernel);
            decayed.add(true);
            trainable.add(denseBias);
            decayed.add(false);

            Operand<TFloat32> logits = forward();
            Operand<TFloat32> oneHot = tf.oneHot(labels, tf.constant(classes), tf.constant(1f), tf.constant(0f));
            Operand<TFloat32> perImage = tf.sum(tf.math.mul(oneHot, tf.nn.logSoftmax(logits)), tf.constant(new int[] {1}));
            loss = tf.withName("loss").math.neg(tf.math.mean(perImage, tf.constant(new int[] {0})));
            correct = tf.withName("correct").reduceSum(
                    tf.dtypes.cast(tf.math.equal(tf.math.argMax(logits, tf.constant(1), TInt32.class), labels), TFloat32.class),
                    tf.constant(new int[] {0}));

            Gradients grads = tf.gradients(loss, trainable);
            Operand<TFloat32> mom = tf.constant((float) cfg.momentum());
            Operand<TFloat32> wd = tf.constant((float) cfg.weightDecay());
            for (int i = 0; i < trainable.size(); i++) {
                Variable<TFloat32> v = trainable.get(i);
                Operand<TFloat32> grad = grads.dy(i);
                if (decayed.get(i) && cfg.weightDecay() > 0) grad = tf.math.add(grad, tf.math.mul(wd, v));
                Variable<TFloat32> accum = variable(v.op().name() + ".Momentum", v.shape(), new float[(int) v.shape().size()], initOps);
                updates.add(tf.train.applyMomentum(v, accum, lr, grad, mom, ApplyMomentum.useNesterov(true)));
            }

            ConfigProto config = ConfigProto.newBuilder().setIntraOpParallelismThreads(cfg.threads())
                    .setInterOpParallelismThreads(1).build();
            session = new Session(graph, config);
            Session.Runner r = session.runner();
            for (Op op : initOps) r.addTarget(op);
            r.run().close();
        }

        private Operand<TFloat32> forward() {
            List<Conv> convs = topo.convs();
            Operand<TFloat32> scaled = tf.math.mul(input, tf.constant(INPUT_SCALE));
            Operand<TFloat32> x = relu(convBn(scaled, convs.get(0)));
            x = tf.nn.maxPool(x, tf.constant(new int[] {1, 3, 3, 1}), tf.constant(new int[] {1, 2, 2, 1}), "SAME");
            for (ResNet50Topology.Block b : topo.blocks()) {
                Operand<TFloat32> shortcut = b.projection() == null ? x : convBn(x, b.projection());
                Operand<TFloat32> y = relu(convBn(x, b.reduce()));
                y = relu(convBn(y, b.spatial()));
                y = convBn(y, b.expand());
                x = relu(tf.math.add(y, shortcut));
            }
            x = tf.math.mean(x, tf.constant(new int[] {1, 2}));
            x = tf.reshape(x, tf.constant(new int[] {-1, topo.finalChannels()}));
            return tf.nn.biasAdd(tf.linalg.matMul(x, denseKernel), denseBias);
        }

        private Operand<TFloat32> relu(Operand<TFloat32> x) {
            return tf.nn.relu(x);
        }

        private Operand<TFloat32> convBn(Operand<TFloat32> x, Conv c) {
            String padding = "SAME";
            if (c.stride() > 1) {
                int before = (c.kernel() - 1) / 2;
                int after = c.kernel() - 1 - before;
                x = tf.pad(x, tf.constant(new int[][] {{0, 0}, {before, after}, {before, after}, {0, 0}}), tf.constant(0f));
                padding = "VALID";
            }
            long st = c.stride();
            Operand<TFloat32> y = tf.nn.conv2d(x, kernels.get(c.index()), List.of(1L, st, st, 1L), padding);
            int ch = c.outChannels();
            FusedBatchNorm<TFloat32, TFloat32> bn = tf.nn.fusedBatchNorm(y, gammas.get(c.index()), betas.get(c.index()),
                    tf.constant(new float[ch]), tf.constant(new float[ch]),
                    FusedBatchNorm.epsilon(ResNet50Topology.BN_EPSILON), FusedBatchNorm.isTraining(true),
                    FusedBatchNorm.dataFormat("NHWC"));
            // moving = moving - (1 - momentum) * (moving - batch), the update tf.layers' batch norm makes
            Operand<TFloat32> rate = tf.constant((float) (1 - cfg.bnMomentum()));
            Variable<TFloat32> mean = means.get(c.index());
            Variable<TFloat32> var = variances.get(c.index());
            updates.add(tf.assignSub(mean, tf.math.mul(rate, tf.math.sub(mean, bn.batchMean()))));
            updates.add(tf.assignSub(var, tf.math.mul(rate, tf.math.sub(var, bn.batchVariance()))));
            return bn.y();
        }

        private Variable<TFloat32> variable(String name, Shape shape, float[] value, List<Op> initOps) {
            // op names in TF Java's Ops API may not contain '/': the MLPerf name with dots instead
            Variable<TFloat32> v = tf.withName(name.replace('/', '.')).variable(shape, TFloat32.class);
            initOps.add(tf.assign(v, tf.constant(shape, DataBuffers.of(value, true, false))));
            return v;
        }

        private static float[] filled(int n, float v) {
            float[] a = new float[n];
            java.util.Arrays.fill(a, v);
            return a;
        }

        /** One SGD step; returns {mean loss, correct count} of the batch. */
        float[] step(float[] images, int[] labelValues, float learningRate) {
            int b = labelValues.length;
            int s = topo.spec().imageSize();
            try (TFloat32 in = TFloat32.tensorOf(Shape.of(b, s, s, 3), DataBuffers.of(images, true, false));
                 TInt32 lab = TInt32.tensorOf(Shape.of(b), DataBuffers.of(labelValues, true, false));
                 TFloat32 rate = TFloat32.scalarOf(learningRate)) {
                Session.Runner r = session.runner().feed(input, in).feed(labels, lab).feed(lr, rate).fetch(loss).fetch(correct);
                for (Op op : updates) r.addTarget(op);
                try (Result res = r.run()) {
                    return new float[] {((TFloat32) res.get(0)).getFloat(), ((TFloat32) res.get(1)).getFloat()};
                }
            }
        }

        /** Current values of every variable, as inference weights. */
        ResNet50Weights weights() {
            List<float[]> k = new ArrayList<>();
            List<ResNet50Weights.BatchNorm> bns = new ArrayList<>();
            for (Conv c : topo.convs()) {
                float[] kernel = read(kernels.get(c.index()));
                if (c.role() == Role.STEM) {
                    // conv(x * s, W) = conv(x, W * s): the frozen graph takes the raw input
                    for (int i = 0; i < kernel.length; i++) kernel[i] *= INPUT_SCALE;
                }
                k.add(kernel);
                bns.add(new ResNet50Weights.BatchNorm(read(gammas.get(c.index())), read(betas.get(c.index())),
                        read(means.get(c.index())), read(variances.get(c.index()))));
            }
            return ResNet50Weights.of(k, bns, read(denseKernel), read(denseBias));
        }

        private float[] read(Variable<TFloat32> v) {
            try (Result r = session.runner().fetch(v).run()) {
                TFloat32 t = (TFloat32) r.get(0);
                float[] out = new float[(int) t.shape().size()];
                t.copyTo(DataBuffers.of(out, false, false));
                return out;
            }
        }

        @Override
        public void close() {
            session.close();
            graph.close();
        }
    }
}
