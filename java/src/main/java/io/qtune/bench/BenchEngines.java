package io.qtune.bench;

import io.qtune.QtuneException;
import io.qtune.engine.Model;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.passes.Passes;
import io.qtune.platform.TfOnednn;
import io.qtune.tf.TfModel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Engines the benchmark can run, by name. A name is {@code runtime-precision}; an engine that needs the
 * quantized model (onednn-int8, tf-int8) takes it from {@link Setup#int8Model()}.
 */
public final class BenchEngines {
    private BenchEngines() {}

    /**
     * What engines are opened with.
     *
     * @param model the FP32 frozen graph
     * @param int8Model the quantized graph, or null when none was given
     * @param tfThreads TensorFlow intra-op threads (inter-op is always 1)
     * @param inputName the input placeholder
     * @param outputs the tensors a run fetches (the graph's outputs)
     * @param imageShape the input shape without the batch dimension, e.g. [224, 224, 3]
     */
    public record Setup(Path model, Path int8Model, int tfThreads, String inputName, List<String> outputs,
                        long[] imageShape, Path bf16Model, Path onnxModel, Path onnxInt8Model, int ortThreads) {
        public Setup(Path model, Path int8Model, int tfThreads, String inputName, List<String> outputs, long[] imageShape) {
            this(model, int8Model, tfThreads, inputName, outputs, imageShape, null, null, null, tfThreads);
        }

        Path requireInt8(String engine) {
            if (int8Model == null) throw new QtuneException("engine '" + engine + "' needs --int8-model FILE");
            return int8Model;
        }

        Path requireOnnx(String engine, boolean int8) {
            Path p = int8 ? onnxInt8Model : onnxModel;
            if (p == null) {
                throw new QtuneException("engine '" + engine + "' needs " + (int8 ? "--onnx-int8-model" : "--onnx-model")
                        + " FILE (scripts/qtune export --format onnx" + (int8 ? " --plan PLAN.json" : "") + ")");
            }
            if (!ortAvailable()) {
                throw new QtuneException("engine '" + engine + "' needs ONNX Runtime on the class path (" + ORT_COORDINATE
                        + ", an optional dependency of qtune; scripts/qtune carries it in java/target/lib)");
            }
            return p;
        }
    }

    static final String ORT_COORDINATE = "com.microsoft.onnxruntime:onnxruntime";

    /** Whether ONNX Runtime's Java API is on the class path (it is optional: the library and serve never need it). */
    public static boolean ortAvailable() {
        try {
            Class.forName("ai.onnxruntime.OrtEnvironment", false, BenchEngines.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static final Map<String, Function<Setup, BenchEngine>> REGISTRY = new LinkedHashMap<>();

    static {
        REGISTRY.put("onednn-fp32", s -> new OnednnEngine("onednn-fp32", Model.load(s.model())));
        REGISTRY.put("tf-fp32", s -> new TfEngine("tf-fp32", TfModel.load(validated(s.model()), s.tfThreads()), s));
        REGISTRY.put("onednn-int8", s -> new OnednnEngine("onednn-int8", Model.load(s.requireInt8("onednn-int8"))));
        REGISTRY.put("tf-int8", s -> new TfEngine("tf-int8", TfModel.load(validated(s.requireInt8("tf-int8")), s.tfThreads()), s));
        // --bf16-model (convert --to bf16's, or a graph with bf16 marks), else --model converted to BF16 in memory
        REGISTRY.put("onednn-bf16", s -> new OnednnEngine("onednn-bf16", s.bf16Model() != null ? Model.load(s.bf16Model())
                : Model.compile(Passes.fuseForInference(Passes.convertToBf16(GraphDefCodec.read(s.model()))))));
        REGISTRY.put("tf-bf16", s -> new TfEngine("tf-bf16", s.bf16Model() != null ? TfModel.load(validated(s.bf16Model()), s.tfThreads())
                : TfModel.fromBytes(GraphDefCodec.toBytes(Passes.convertToBf16(GraphDefCodec.read(s.model()))),
                        bf16Source(s), s.tfThreads()), s));
        REGISTRY.put("ort-fp32", s -> new OrtEngine("ort-fp32", s.requireOnnx("ort-fp32", false), s));
        REGISTRY.put("ort-int8", s -> new OrtEngine("ort-int8", s.requireOnnx("ort-int8", true), s));
    }

    /** The graph tf-bf16 loads, as TF's messages name it. */
    private static String bf16Source(Setup s) {
        return s.bf16Model() != null ? s.bf16Model().toString() : s.model() + " (converted to BF16)";
    }

    /**
     * Fixes TF's oneDNN setting (read once per process) for the first TF engine among {@code names}, before any
     * engine opens, so that the machine header printed first says what TF runs with. A later TF engine that needs
     * the other setting is refused when it opens ({@link TfModel.OnednnSettingRefusal}).
     */
    public static void startTf(List<String> names, Setup s) {
        String first = names.stream().filter(n -> n.startsWith("tf-")).findFirst().orElse(null);
        if (first == null) return;
        switch (first) {
            case "tf-int8" -> TfOnednn.start(TfOnednn.Kind.INT8, String.valueOf(s.int8Model()));
            case "tf-bf16" -> TfOnednn.start(TfOnednn.Kind.BF16, bf16Source(s));
            default -> TfOnednn.start(TfOnednn.Kind.FP32, s.model().toString());
        }
    }

    /** Registered names, in registration order. */
    public static List<String> names() {
        return List.copyOf(REGISTRY.keySet());
    }

    /** Opens the named engine; an unknown name is a {@link QtuneException} listing the known ones. */
    public static BenchEngine open(String name, Setup setup) {
        Function<Setup, BenchEngine> f = REGISTRY.get(name);
        if (f == null) throw new QtuneException("unknown engine '" + name + "' (known: " + String.join(", ", names()) + ")");
        return f.apply(setup);
    }

    private record OnednnEngine(String name, Model model) implements BenchEngine {
        @Override
        public void run(float[] images, int batch) {
            model.run(images, batch);
        }

        @Override
        public String profile(int batch, int runs) {
            return model.profile(batch, runs);
        }

        @Override
        public List<String> notes(int batch) {
            return model.describe(batch).stream().filter(l -> l.startsWith("note: ")).map(l -> l.substring(6)).toList();
        }

        @Override
        public io.qtune.engine.Floor floor(int batch, int runs) {
            return model.floor(batch, runs, true);
        }

        @Override
        public void close() {
            model.close();
        }
    }

    private static final class TfEngine implements BenchEngine {
        private final String name;
        private final TfModel tf;
        private final String input;
        private final List<String> fetches;
        private final long[] imageShape;

        TfEngine(String name, TfModel tf, Setup s) {
            this.name = name;
            this.tf = tf;
            this.input = s.inputName();
            this.fetches = s.outputs();
            this.imageShape = s.imageShape().clone();
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void run(float[] images, int batch) {
            long[] shape = new long[imageShape.length + 1];
            shape[0] = batch;
            System.arraycopy(imageShape, 0, shape, 1, imageShape.length);
            tf.run(input, images, shape, fetches);
        }

        @Override
        public void close() {
            tf.close();
        }
    }

    /** TF gets a model only after the graph validator passed it (a bad pad or stride can crash TF's process). */
    private static java.nio.file.Path validated(java.nio.file.Path model) {
        io.qtune.graph.GraphDefCodec.read(model);
        return model;
    }
}
