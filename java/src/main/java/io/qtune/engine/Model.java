package io.qtune.engine;

import io.qtune.QtuneException;
import io.qtune.graph.Graph;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.passes.Passes;
import java.nio.file.Path;
import io.qtune.graph.Node;
import io.qtune.graph.ShapeAttr;
import io.qtune.platform.Threads;
import io.qtune.calib.ActivationObserver;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;

/**
 * A TensorFlow graph compiled for oneDNN on the CPU: FP32, or INT8 in Intel's format (see {@link #load}), with
 * convolutions marked bf16 run in BF16 where the CPU has it.
 *
 * <pre>{@code
 * try (Model m = Model.compile(fusedGraph)) {
 *     Outputs o = m.run(nhwc, batch);          // nhwc: batch x 224 x 224 x 3 floats
 *     float[] probs = o.floats("softmax_tensor");
 *     long[] cls = o.longs("ArgMax");
 * }
 * }</pre>
 *
 * The graph is compiled once per batch size, on first use, into a flat list of oneDNN primitives; weights are
 * laid out once and shared by all batch sizes that want the same layout. {@link #run} is safe to call from
 * several threads at once: each concurrent run gets its own activation buffers. The outputs are the graph's
 * sink nodes, by node name. Close the model to free its native memory; runs after close fail.
 *
 * <p>oneDNN runs on OpenMP. qtune loads it with a bounded-spin wait policy and runs each call on a team of
 * {@link Threads#teamForRun()} threads: the calling thread's requested size ({@link Threads#setTeamSize}, default
 * {@code OMP_NUM_THREADS} or all cores), capped at the cores other processes leave free. Programs are compiled per
 * (batch size, team size), since oneDNN splits work by the team a primitive was made for. Concurrent callers each
 * run their own team: size them so that together they fit the cores (the serving instances do).
 */
public final class Model implements AutoCloseable {
    static {
        Threads.ensureConfigured(); // the OpenMP wait policy must be in the environment before oneDNN loads
    }

    private final Graph graph;
    private final Node input;
    private final long[] inputShape;
    private final long imageElements;
    private final List<String> outputNames;
    private final engine eng;
    private final ConstantCache constants;
    /** Compiled programs by {@link #key(int, int)} of batch and team size. */
    private final Map<Long, Program> programs = new ConcurrentHashMap<>();
    private final Object compiling = new Object();
    private final ReentrantReadWriteLock life = new ReentrantReadWriteLock();
    private boolean closed;

    private final List<String> extraOutputs;
    /** Inner tensors handed to the observer of a run as they are computed ({@link #compileObserving}). */
    private final List<String> observed;

    private Model(Graph graph, List<String> extraOutputs, List<String> observed) {
        // a graph built in code gets the same checks as one read from a file, before oneDNN sees it
        this.graph = io.qtune.graph.GraphValidator.validate(graph);
        this.extraOutputs = List.copyOf(extraOutputs);
        this.observed = List.copyOf(observed);
        for (String o : this.observed) {
            if (!graph.contains(o)) throw new QtuneException("no node '" + o + "' to observe");
        }
        for (Node n : graph.nodes()) {
            if (!ProgramCompiler.SUPPORTED.contains(n.op())) throw ProgramCompiler.unsupported(n);
        }
        List<Node> inputs = graph.placeholders();
        if (inputs.size() != 1) {
            throw new QtuneException("the engine runs graphs with exactly one input placeholder, this one has "
                    + inputs.size() + " " + inputs.stream().map(Node::name).toList());
        }
        this.input = inputs.get(0);
        ShapeAttr s = input.hasAttr("shape") ? input.attrShape("shape") : new ShapeAttr(null);
        if (s.unknownRank() || s.dims().length < 1) {
            throw new QtuneException("input '" + input.name() + "' has no static shape; the engine needs e.g. [-1,224,224,3]");
        }
        this.inputShape = s.dims().clone();
        long per = 1;
        for (int i = 1; i < inputShape.length; i++) {
            if (inputShape[i] < 0) throw new QtuneException("input '" + input.name() + "' has unknown dimension " + i);
            per *= inputShape[i];
        }
        this.imageElements = per;
        List<String> outs = new ArrayList<>(graph.sinks().stream().map(Node::name).toList());
        for (String o : this.extraOutputs) {
            if (!graph.contains(o)) throw new QtuneException("no node '" + o + "' to return as an output");
            if (!outs.contains(o)) outs.add(o);
        }
        this.outputNames = List.copyOf(outs);
        this.eng = new engine(engine.kind.cpu, 0);
        this.constants = new ConstantCache(eng);
    }

    /**
     * Loads a frozen TensorFlow GraphDef (.pb), fuses it for inference (batch norm and Pad folded,
     * Conv2D+BiasAdd+Relu and the residual Add fused) and compiles it. An INT8 GraphDef in Intel's format
     * (QuantizeV2, QuantizedConv2DWithBias...AndRequantize, QuantizedMaxPool, Dequantize) compiles to oneDNN int8
     * primitives computing what TensorFlow computes; FP32 ops left in it are fused and run as in an FP32 graph.
     */
    public static Model load(Path frozenGraph) {
        return compile(Passes.fuseForInference(GraphDefCodec.read(frozenGraph)));
    }

    /**
     * Compiles an already fused graph (Conv2D/BiasAdd/Relu/Add fused into {@code _FusedConv2D}, batch norm and
     * Pad folded). Fails with a {@link QtuneException} naming the first node the engine cannot run.
     */
    public static Model compile(Graph fused) {
        return compile(fused, List.of());
    }

    /**
     * As {@link #compile(Graph)}, also returning output 0 of the named inner nodes. A quantized (INT8) tensor comes
     * back as floats holding its integer codes.
     */
    public static Model compile(Graph fused, List<String> extraOutputs) {
        return compiled(new Model(fused, extraOutputs, List.of()));
    }

    /**
     * As {@link #compile(Graph)}, handing output 0 of the named inner nodes to the observer of
     * {@link #run(float[], int, ActivationObserver)} right after the step that computes each, so their buffers are
     * reused by later steps as in any run: memory for one tensor at a time, not for every observed one (calibration).
     * {@link #run(float[], int)} does not return them.
     */
    public static Model compileObserving(Graph fused, List<String> observed) {
        return compiled(new Model(fused, List.of(), observed));
    }

    private static Model compiled(Model m) {
        try {
            m.program(m.inputShape[0] > 0 ? Math.toIntExact(m.inputShape[0]) : 1); // reject bad graphs now, not at first run
            return m;
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** Name of the input placeholder. */
    public String inputName() {
        return input.name();
    }

    /** TensorFlow shape of the input, -1 for a free batch dimension (e.g. [-1, 224, 224, 3]). */
    public long[] inputShape() {
        return inputShape.clone();
    }

    /** Names of the outputs (the graph's sink nodes), e.g. [softmax_tensor, ArgMax]. */
    public List<String> outputNames() {
        return outputNames;
    }

    /**
     * Runs a batch. {@code input} holds {@code batch} samples in the input's TensorFlow layout (NHWC), exactly
     * batch x (product of the other input dimensions) floats.
     */
    public Outputs run(float[] input, int batch) {
        if (input == null) throw new QtuneException("input '" + this.input.name() + "': no data given");
        if (batch < 1) throw new QtuneException("batch must be at least 1, got " + batch);
        if (input.length != (long) batch * imageElements) {
            throw new QtuneException("input '" + this.input.name() + "' needs batch x " + shapeText() + " = "
                    + (long) batch * imageElements + " floats for batch " + batch + ", got " + input.length);
        }
        life.readLock().lock();
        try {
            requireOpen();
            Program p = program(batch);
            Workspace ws = p.acquire();
            try {
                p.execute(ws, input, 0, null);
                return p.collect(ws);
            } finally {
                p.release(ws);
            }
        } finally {
            life.readLock().unlock();
        }
    }

    /**
     * Runs a batch and hands the tensors named at compile time ({@link #compileObserving} as each is computed, else
     * those of {@link #compile(Graph, List)} after the run) to {@code observer}, through buffers reused from run to
     * run; returns nothing, so a calibration loop allocates nothing per batch.
     */
    public void run(float[] input, int batch, ActivationObserver observer) {
        if (observer == null) throw new QtuneException("no observer given");
        checkInput(input, batch);
        life.readLock().lock();
        try {
            requireOpen();
            Program p = program(batch);
            Workspace ws = p.acquire();
            try {
                ws.observer = observer;
                p.execute(ws, input, 0, null);
                if (observed.isEmpty()) p.observe(ws, extraOutputs, observer);
            } finally {
                ws.observer = null;
                p.release(ws);
            }
        } finally {
            life.readLock().unlock();
        }
    }

    private void checkInput(float[] input, int batch) {
        if (input == null) throw new QtuneException("input '" + this.input.name() + "': no data given");
        if (batch < 1) throw new QtuneException("batch must be at least 1, got " + batch);
        if (input.length != (long) batch * imageElements) {
            throw new QtuneException("input '" + this.input.name() + "' needs batch x " + shapeText() + " = "
                    + (long) batch * imageElements + " floats for batch " + batch + ", got " + input.length);
        }
    }

    /**
     * Times every step of the program for {@code batch} over {@code runs} runs (after one warm-up run) and returns
     * a table in step order: each step's time and the Java time before it, then where a run's time went.
     */
    public String profile(int batch, int runs) {
        return runProfile(batch, runs).table();
    }

    /**
     * Where the time of runs at {@code batch} goes ({@link RunProfile}): {@code runs} untraced runs for the median,
     * then {@code runs} traced runs, each step timed, then {@code runs} output copies. On the calling thread's team.
     */
    public RunProfile runProfile(int batch, int runs) {
        if (batch < 1 || runs < 1) throw new QtuneException("profile needs batch >= 1 and runs >= 1");
        life.readLock().lock();
        try {
            requireOpen();
            Program p = program(batch);
            int team = Threads.teamForRun();
            float[] in = noise(batch);
            Workspace ws = p.acquire();
            try {
                p.execute(ws, in, 0, null);
                double whole = median(wholeRuns(p, ws, in, runs)) / 1e6;
                Program.Trace t = new Program.Trace(p.steps.size());
                for (int i = 0; i < runs; i++) p.execute(ws, in, 0, t);
                long collect = 0;
                for (int i = 0; i < runs; i++) {
                    long t0 = System.nanoTime();
                    p.collect(ws);
                    collect += System.nanoTime() - t0;
                }
                List<RunProfile.Row> rows = new ArrayList<>();
                for (int i = 0; i < p.steps.size(); i++) {
                    Step s = p.steps.get(i);
                    rows.add(new RunProfile.Row(i, s.node, s.kind, implementation(s), s instanceof PrimitiveStep,
                            t.stepNanos[i] / 1e6 / runs, t.beforeNanos[i] / 1e6 / runs));
                }
                return new RunProfile(batch, team, runs, whole, t.inputNanos / 1e6 / runs, t.finishNanos / 1e6 / runs,
                        collect / 1e6 / runs, rows);
            } finally {
                p.release(ws);
            }
        } finally {
            life.readLock().unlock();
        }
    }

    /** The hot floor alone ({@link #floor(int, int, boolean)} without the cold one: its fields are NaN). */
    public Floor floor(int batch, int runs) {
        return floor(batch, runs, false);
    }

    /**
     * Measures the program for {@code batch} against its floor ({@link Floor}) in {@code runs} rounds, each one whole
     * run (for the engine's median), one run with each step timed (for each step's median in the chain), then every
     * convolution and inner product alone, twice back to back with the second timed (for the floor's medians, and per
     * round for the floor as one pass). With {@code cold}, the caches are emptied before the first of the two
     * ({@link CacheEviction}, not timed) and it is timed too: the cold floor; the hot run still follows a run of the
     * same step; then the step's weights alone are flushed from the caches ({@link WeightFlush}, not timed) and it
     * runs a third time: the weights-cold floor (NaN without the native library). Every other step runs alone too,
     * twice with the second timed (hot only, not part of the floor): what it costs on its own. Rounds interleave engine
     * and floor, so load from elsewhere on the machine falls on both alike. On the calling thread's team.
     */
    public Floor floor(int batch, int runs, boolean cold) {
        if (batch < 1 || runs < 1) throw new QtuneException("floor needs batch >= 1 and runs >= 1");
        life.readLock().lock();
        try {
            requireOpen();
            Program p = program(batch);
            int team = Threads.teamForRun();
            float[] in = noise(batch);
            Workspace ws = p.acquire();
            CacheEviction eviction = null;
            WeightFlush weightFlush = null;
            try {
                if (cold) {
                    eviction = CacheEviction.forThisMachine(eng);
                    weightFlush = WeightFlush.create(eng);
                }
                p.execute(ws, in, 0, null);
                int steps = p.steps.size();
                long[] whole = new long[runs];
                long[][] alone = new long[steps][runs], coldAlone = new long[steps][runs], weightsCold = new long[steps][runs];
                long[][] inRun = new long[steps][runs];
                long[] evictions = new long[Math.max(1, runs * (int) p.steps.stream().filter(Model::inFloor).count())];
                int evicted = 0;
                for (int r = 0; r < runs; r++) {
                    whole[r] = wholeRuns(p, ws, in, 1)[0];
                    Program.Trace trace = new Program.Trace(steps);
                    p.execute(ws, in, 0, trace);
                    for (int i = 0; i < steps; i++) inRun[i][r] = trace.stepNanos[i];
                    for (int i = 0; i < steps; i++) {
                        Step s = p.steps.get(i);
                        if (!inFloor(s)) {
                            // the other steps alone too, hot only: how much of the gap is their own work
                            p.executeStep(ws, i);
                            long t0 = System.nanoTime();
                            p.executeStep(ws, i);
                            alone[i][r] = System.nanoTime() - t0;
                            continue;
                        }
                        long t0 = System.nanoTime();
                        if (eviction != null) {
                            eviction.evict(ws.stream);
                            evictions[evicted++] = System.nanoTime() - t0;
                        }
                        t0 = System.nanoTime();
                        p.executeStep(ws, i);
                        coldAlone[i][r] = System.nanoTime() - t0;
                        t0 = System.nanoTime();
                        p.executeStep(ws, i);
                        alone[i][r] = System.nanoTime() - t0;
                        if (weightFlush != null) {
                            weightFlush.flush((PrimitiveStep) s, ws.stream);
                            t0 = System.nanoTime();
                            p.executeStep(ws, i);
                            weightsCold[i][r] = System.nanoTime() - t0;
                        }
                    }
                }
                List<Floor.StepTime> rows = new ArrayList<>();
                boolean[] floorSteps = new boolean[steps];
                double floor = 0, coldFloor = cold ? 0 : Double.NaN, primitives = 0;
                double weightsColdFloor = weightFlush != null ? 0 : Double.NaN;
                for (int i = 0; i < steps; i++) {
                    Step s = p.steps.get(i);
                    boolean prim = s instanceof PrimitiveStep;
                    double aloneMs = median(alone[i]) / 1e6, coldMs = Double.NaN, weightsColdMs = Double.NaN;
                    long weightBytes = 0;
                    floorSteps[i] = inFloor(s);
                    if (floorSteps[i]) {
                        weightBytes = ((PrimitiveStep) s).weightBytes();
                        floor += aloneMs;
                        if (cold) {
                            coldMs = median(coldAlone[i]) / 1e6;
                            coldFloor += coldMs;
                        }
                        if (weightFlush != null) {
                            weightsColdMs = median(weightsCold[i]) / 1e6;
                            weightsColdFloor += weightsColdMs;
                        }
                    }
                    // a median, as alone: a run the machine interrupted must not count against the chain
                    double inRunMs = median(inRun[i]) / 1e6;
                    if (prim) primitives += inRunMs;
                    rows.add(new Floor.StepTime(i, s.node, s.kind, implementation(s), prim, floorSteps[i], inRunMs, aloneMs,
                            coldMs, weightsColdMs, weightBytes));
                }
                double engine = median(whole) / 1e6;
                return new Floor(batch, team, rows, engine, floor, Floor.onePassMs(alone, floorSteps), coldFloor, weightsColdFloor,
                        eviction != null ? eviction.bytes() : 0,
                        eviction != null ? median(Arrays.copyOf(evictions, evicted)) / 1e6 : Double.NaN,
                        Math.max(0, engine - primitives));
            } finally {
                if (eviction != null) eviction.close();
                if (weightFlush != null) weightFlush.close();
                p.release(ws);
            }
        } finally {
            life.readLock().unlock();
        }
    }

    /** Whether a step is part of the floor: a convolution or inner product primitive. */
    private static boolean inFloor(Step s) {
        return s instanceof PrimitiveStep && Floor.isFloorKind(s.kind);
    }

    /** Input for timing runs: fixed standard normal values. */
    private float[] noise(int batch) {
        float[] in = new float[Math.toIntExact(batch * imageElements)];
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < in.length; i++) in[i] = (float) r.nextGaussian();
        return in;
    }

    /** Wall times of {@code runs} untraced runs. */
    private static long[] wholeRuns(Program p, Workspace ws, float[] in, int runs) {
        long[] whole = new long[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            p.execute(ws, in, 0, null);
            whole[i] = System.nanoTime() - t0;
        }
        return whole;
    }

    private static String implementation(Step s) {
        return s instanceof PrimitiveStep ps ? ps.implementation : "java";
    }

    /** The median of {@code v}; of an even count, the mean of the middle two. */
    static double median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
    }

    /**
     * The compiled program for a batch size: a summary line (steps, activation buffer memory per concurrent
     * run), a "note: " line for each op run otherwise than the graph asked, then one line per step (kind, oneDNN
     * implementation, node, output shape).
     */
    public List<String> describe(int batch) {
        life.readLock().lock();
        try {
            requireOpen();
            Program p = program(batch);
            List<String> lines = new ArrayList<>();
            long buffers = Arrays.stream(p.slotBytes).sum();
            lines.add(String.format(Locale.ROOT, "batch %d: %d steps, %d activation buffers of %.1f MB in all, "
                    + "scratchpad %.2f MB", batch, p.steps.size(), p.slotBytes.length, buffers / 1e6, p.scratchpadBytes / 1e6));
            for (String note : p.notes) lines.add("note: " + note);
            for (Step s : p.steps) {
                String impl = implementation(s);
                String out = s.writes.isEmpty() ? "" : Arrays.toString(s.writes.get(0).shape);
                lines.add(s.kind + " " + impl + " '" + s.node + "' -> " + out);
            }
            return lines;
        } finally {
            life.readLock().unlock();
        }
    }

    /** How many weight and bias tensors were laid out for oneDNN so far (shared between batch sizes). */
    int constantLayouts() {
        return constants.layoutsMade();
    }

    /** The layouts of each weight and bias tensor made so far, by tensor (package-private for tests). */
    Map<String, List<memory.desc>> constantLayoutsByTensor() {
        return constants.layoutsByKey();
    }

    /** Compiled program for a batch size on the calling thread's team for this run (package-private for tests). */
    Program program(int batch) {
        int team = Threads.teamForRun();
        long key = key(batch, team);
        Program p = programs.get(key);
        if (p != null) return p;
        synchronized (compiling) {
            p = programs.get(key);
            if (p == null) {
                // compiled on this thread, whose OpenMP team size is now `team`: oneDNN sizes its work split by it
                p = ProgramCompiler.compile(graph, batch, eng, constants, extraOutputs, observed);
                programs.put(key, p);
            }
            return p;
        }
    }

    private static long key(int batch, int team) {
        return ((long) batch << 16) | team;
    }

    private String shapeText() {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < inputShape.length; i++) sb.append(i > 1 ? "x" : "").append(inputShape[i]);
        return sb.length() == 0 ? "1" : sb.toString();
    }

    private void requireOpen() {
        if (closed) throw new QtuneException("the model is closed");
    }

    /** Frees all native memory; waits for runs in flight to finish. */
    @Override
    public void close() {
        life.writeLock().lock();
        try {
            if (closed) return;
            closed = true;
            for (Program p : programs.values()) p.close();
            programs.clear();
            constants.close();
            eng.close();
        } finally {
            life.writeLock().unlock();
        }
    }
}
