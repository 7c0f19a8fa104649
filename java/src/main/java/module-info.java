/**
 * qtune as a library: what a service embeds is exported, everything else stays inside (cli, bench, loadgen, onnx,
 * kernels, reference, semantics, graph.passes). A new export is a deliberate change: {@code ModuleDescriptorTest}
 * lists them, and {@code javac -Xlint:exports} over this module warns of none (no exported signature names an
 * unexported type, or a dependency's type without {@code requires transitive}).
 *
 * <p>On the module path, JavaCPP and TF Java load their natives from their platform jars, whose modules nothing
 * requires (they differ per platform): add them, e.g. {@code --add-modules org.bytedeco.dnnl.linux.x86_64,...} or
 * {@code --add-modules ALL-MODULE-PATH} ({@code ModulePathTest} runs it so).
 */
module io.qtune {
    // --- exported: the API a service embeds -------------------------------------------------------------------------
    // QtuneException / InvalidSetting, thrown by every API below; AtomicFiles and OutputPaths for whole outputs
    exports io.qtune;
    // Model and Outputs: load a frozen FP32/INT8 graph and run it (thread-safe)
    exports io.qtune.engine;
    // InferenceService: queue, dynamic batcher, instances; serve.http: the KServe v2 server in front of it
    exports io.qtune.serve;
    exports io.qtune.serve.http;
    // Quantizer, QuantPlan, WeightGranularity: calibrate and write the INT8 graph
    exports io.qtune.quant;
    // Tuner, its typed settings (AccuracyCriterion, Strategy, TrialRuntime, Search.Objective) and TuningListener/Trial
    exports io.qtune.tune;
    // LabeledImages (a service's own images), DataSpec
    exports io.qtune.data;
    // the calibration extension interfaces: RangeEstimator (Quantizer.Builder.algorithm), ActivationObserver (Model.run)
    exports io.qtune.calib;
    // Metric, EvalFunction, Classifier: a service's own score for the tuner; Evaluator for top-1/top-5
    exports io.qtune.eval;
    // the typed results: Tuner.Result.report() is a TuningReport, EvalResult gives an EvalRecord
    exports io.qtune.report;
    // Threads.setTeamSize (each serving thread's OpenMP team), Machine (what every figure records)
    exports io.qtune.platform;
    // ProxyModel: the embedded default model (file(), spec()), and the ResNet50 builder for models of given width
    exports io.qtune.zoo;
    // --- exported because the signatures above name their types (javac -Xlint:exports is clean) -------------------
    // Graph: Quantizer.Result.int8Graph, Model.compile(Graph), QuantPipeline's steps
    exports io.qtune.graph;
    // Int8GraphWriter.ArgMaxOutput (Quantizer.Builder.argMaxOutput), QuantDecisions (quant.PlanDecisions implements it)
    exports io.qtune.export;
    // TfModel: ProxyModel.load(threads) returns the proxy on TF, the peer runtime
    exports io.qtune.tf;

    // --- dependencies: module names from the jars (jar --describe-module; Automatic-Module-Name for micrometer) ------
    // transitive where an exported signature names the dependency's types (micrometer's are automatic modules, which
    // javac warns of: micrometer ships no module-info)
    requires transitive tensorflow.nativelib;          // GraphDef/TensorProto (graph.GraphDefCodec, zoo, tf); TF's C API
    requires transitive com.fasterxml.jackson.databind; // io.qtune.Json.mapper(), the one JSON setup
    requires transitive micrometer.core;               // InferenceService.start(..., MeterRegistry)
    requires transitive micrometer.registry.prometheus; // InferenceServer.start(..., PrometheusMeterRegistry)
    requires org.bytedeco.javacpp;
    requires org.bytedeco.dnnl;                        // the runtime: oneDNN through JavaCPP's preset
    requires org.bytedeco.opencv;                      // MLPerf's pre_process_vgg (decode, INTER_AREA resize)
    requires org.bytedeco.opencl;                      // dnnl's preset inherits OpenCL's; dnnl's module-info does not require it
    requires tensorflow;                               // TF Java: the peer runtime, proxy training
    requires org.tensorflow.ndarray;
    requires com.google.protobuf;
    requires info.picocli;                             // the CLI (io.qtune.cli, not exported)
    requires jdk.httpserver;                           // serve.http on the JDK's HTTP server
    requires java.net.http;                            // loadgen's KServe v2 client
    requires static com.microsoft.onnxruntime;         // optional (as in the pom): only the ort-* bench engines

    // --- reflection ------------------------------------------------------------------------------------------------
    // picocli sets the annotated fields of the commands
    opens io.qtune.cli to info.picocli;
    // Jackson reflects on the report records it writes (accessors, fields, constructors): opened to Jackson alone, so
    // the module path serializes them as the class path does
    opens io.qtune.report to com.fasterxml.jackson.databind;
}
