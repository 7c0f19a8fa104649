package io.qtune.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import io.qtune.graph.DType;
import io.qtune.graph.Graph;
import io.qtune.graph.Ops;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ModelTest {
    private static final List<String> BIAS = List.of(Ops.BIAS_ADD);
    private static final List<String> BIAS_RELU = List.of(Ops.BIAS_ADD, Ops.RELU);
    private static final List<String> BIAS_RELU6 = List.of(Ops.BIAS_ADD, Ops.RELU6);
    private static final List<String> BIAS_ADD = List.of(Ops.BIAS_ADD, Ops.ADD);
    private static final List<String> BIAS_ADD_RELU = List.of(Ops.BIAS_ADD, Ops.ADD, Ops.RELU);

    /** A ResNet-shaped net: stem with asymmetric explicit padding, max pool, bottleneck blocks, head. */
    static Graph miniResNet(long seed) {
        TestGraph t = new TestGraph(seed);
        String x = t.input("input_tensor", -1, 19, 19, 3);
        // the MLPerf stem: Pad folded into an explicit 7x7 stride-2 conv
        x = t.fusedConv("stem", x, 3, 16, 7, 2, "EXPLICIT", new long[] {0, 0, 3, 3, 3, 3, 0, 0}, BIAS_RELU, null);
        x = t.pool("pool", Ops.MAX_POOL, x, 3, 2, "SAME");
        // projection block: the shortcut conv's output is the summand, consumed in place
        String sc = t.fusedConv("b1/shortcut", x, 16, 32, 1, 1, "VALID", null, BIAS, null);
        String a = t.fusedConv("b1/a", x, 16, 8, 1, 1, "VALID", null, BIAS_RELU, null);
        a = t.fusedConv("b1/b", a, 8, 8, 3, 1, "SAME", null, BIAS_RELU, null);
        x = t.fusedConv("b1/c", a, 8, 32, 1, 1, "VALID", null, BIAS_ADD_RELU, sc);
        // identity block: the block input is the summand
        a = t.fusedConv("b2/a", x, 32, 8, 1, 1, "VALID", null, BIAS_RELU, null);
        // asymmetric explicit padding that keeps the size: 1 top, 1 bottom, 0 left, 2 right
        a = t.fusedConv("b2/b", a, 8, 8, 3, 1, "EXPLICIT", new long[] {0, 0, 1, 1, 0, 2, 0, 0}, BIAS_RELU, null);
        x = t.fusedConv("b2/c", a, 8, 32, 1, 1, "VALID", null, BIAS_ADD_RELU, x);
        // strided block with Pad folded into an asymmetric explicit padding, as the v1.5 3x3 stride 2
        sc = t.fusedConv("b3/shortcut", x, 32, 48, 1, 2, "VALID", null, BIAS, null);
        a = t.fusedConv("b3/a", x, 32, 16, 1, 1, "VALID", null, BIAS_RELU, null);
        a = t.fusedConv("b3/b", a, 16, 16, 3, 2, "EXPLICIT", new long[] {0, 0, 1, 1, 1, 1, 0, 0}, BIAS_RELU, null);
        x = t.fusedConv("b3/c", a, 16, 48, 1, 1, "VALID", null, BIAS_ADD_RELU, sc);
        x = t.mean("mean", x, false);
        x = t.add("flatten", Ops.IDENTITY, List.of(x), "T", DType.FLOAT);
        x = t.matMul("dense/MatMul", x, 48, 11, false);
        x = t.biasAdd("dense/BiasAdd", x, 11);
        x = t.add("final_dense", Ops.IDENTITY, List.of(x), "T", DType.FLOAT);
        t.add("softmax_tensor", Ops.SOFTMAX, List.of(x), "T", DType.FLOAT);
        t.argMax("ArgMax", x, 1);
        return t.build();
    }

    /** Unfused ops, pooling variants, a summand that must be copied, and a summand that is the conv's own input. */
    static Graph standaloneOps(long seed) {
        TestGraph t = new TestGraph(seed);
        String x = t.input("input", -1, 10, 9, 4);
        x = t.conv("conv", x, 4, 16, 3, 2, "VALID");
        x = t.biasAdd("bias", x, 16);
        x = t.add("relu6", Ops.RELU6, List.of(x), "T", DType.FLOAT);
        String avg = t.pool("avg", Ops.AVG_POOL, x, 3, 2, "SAME");     // padded windows average fewer elements
        String max = t.pool("max", Ops.MAX_POOL, x, 2, 1, "VALID");
        max = t.pool("max2", Ops.MAX_POOL, max, 2, 2, "SAME");
        String s = t.add("sum", Ops.ADD_V2, List.of(avg, max), "T", DType.FLOAT);
        s = t.add("relu", Ops.RELU, List.of(s), "T", DType.FLOAT);
        // the summand 's' is read again below, so the fused conv must copy it rather than overwrite it
        String c1 = t.fusedConv("res1", s, 16, 16, 3, 1, "SAME", null, BIAS_ADD, s);
        // conv(x) + x with x used as both source and summand
        String c2 = t.fusedConv("res2", c1, 16, 16, 1, 1, "VALID", null, BIAS_ADD_RELU, c1);
        String c3 = t.fusedConv("relu6conv", s, 16, 16, 1, 1, "VALID", null, BIAS_RELU6, null);
        x = t.add("join", Ops.ADD, List.of(c2, c3), "T", DType.FLOAT);
        x = t.mean("gap", x, true);
        String shape = t.ints("flat/shape", -1, 16);
        x = t.add("flat", Ops.RESHAPE, List.of(x, shape), "T", DType.FLOAT, "Tshape", DType.INT32);
        x = t.matMul("logits", x, 16, 7, true);
        t.add("probs", Ops.SOFTMAX, List.of(x), "T", DType.FLOAT);
        String am = t.argMax("class", x, -1);
        t.add("class_float", Ops.CAST, List.of(am), "SrcT", DType.INT64, "DstT", DType.FLOAT, "Truncate", false);
        return t.build();
    }

    private static void assertMatchesReference(Graph g, int batch, long seed) {
        try (Model m = Model.compile(g)) {
            float[] in = new TestGraph(seed).randomInput(Math.toIntExact(batch * perImage(m)));
            Outputs o = m.run(in, batch);
            Map<String, ScalarReference.T> ref = ScalarReference.run(g, in, batch);
            assertEquals(ref.keySet(), new java.util.HashSet<>(o.names()));
            for (String name : o.names()) {
                ScalarReference.T r = ref.get(name);
                assertArrayEquals(r.shape(), o.shape(name), name + " shape");
                if (r.l() != null) {
                    assertArrayEquals(r.l(), o.longs(name), name);
                } else {
                    float[] got = o.floats(name);
                    assertEquals(r.f().length, got.length, name + " size");
                    for (int i = 0; i < got.length; i++) {
                        float want = r.f()[i];
                        assertTrue(Math.abs(got[i] - want) <= 1e-4f + 1e-4f * Math.abs(want),
                                name + "[" + i + "] = " + got[i] + ", reference " + want);
                    }
                }
            }
        }
    }

    private static long perImage(Model m) {
        long n = 1;
        long[] s = m.inputShape();
        for (int i = 1; i < s.length; i++) n *= s[i];
        return n;
    }

    @Test
    void miniResNetMatchesReferenceAtBatch1And3() {
        assertMatchesReference(miniResNet(1), 1, 10);
        assertMatchesReference(miniResNet(2), 3, 11);
    }

    @Test
    void standaloneOpsMatchReferenceAtBatch1And3() {
        assertMatchesReference(standaloneOps(3), 1, 12);
        assertMatchesReference(standaloneOps(4), 3, 13);
    }

    @Test
    void residualSumRunsInPlaceWithoutCopies() {
        try (Model m = Model.compile(miniResNet(5))) {
            List<String> steps = m.describe(1);
            assertTrue(steps.stream().noneMatch(s -> s.startsWith("summand copy") || s.startsWith("reorder")),
                    "expected no copies or reorders: " + String.join("\n", steps));
            assertEquals(12, steps.stream().filter(s -> s.startsWith("convolution")).count());
        }
    }

    /**
     * Every batch size's program asks oneDNN for its weight layouts; which ones depends on the CPU (under AVX2
     * batch 1 and batch 16 get filter layouts of their own for some convolutions, on AVX-512 all batches share).
     * Whatever the CPU, the model must hold exactly the layouts the batch sizes need, one copy of each: the
     * reference is each batch size compiled alone in a fresh model.
     */
    @Test
    void batchSizesShareLaidOutWeights() throws Exception {
        // a team of 1 everywhere: oneDNN may choose an implementation (and so a layout) by thread count too
        onTeamOfOne("layouts-team-1", ModelTest::sharedLayoutsAreTheUnionOfEachBatchSizes);
    }

    /**
     * Runs {@code body} on a thread of its own whose OpenMP team is 1, and rethrows what it threw: the adaptive team
     * may otherwise shrink between two runs when another process takes a core, and another team size is another
     * work split.
     */
    private static void onTeamOfOne(String threadName, Runnable body) throws Exception {
        java.util.concurrent.FutureTask<Void> task = new java.util.concurrent.FutureTask<>(() -> {
            io.qtune.platform.Threads.setTeamSize(1);
            body.run();
            return null;
        });
        Thread worker = new Thread(task, threadName);
        worker.start();
        task.get();
    }

    private static void sharedLayoutsAreTheUnionOfEachBatchSizes() {
        int[] batches = {1, 3, 2, 16};
        List<Model> alone = new ArrayList<>();
        try (Model shared = Model.compile(miniResNet(6))) {
            for (int b : batches) shared.run(new float[b * 19 * 19 * 3], b);
            int made = shared.constantLayouts();
            assertTrue(made >= 12 + 12 + 2, "weights and biases of 12 convs and the dense layer: " + made);
            // a batch size seen before lays nothing out again
            for (int b : batches) shared.run(new float[b * 19 * 19 * 3], b);
            assertEquals(made, shared.constantLayouts(), "layouts made by running the same batch sizes again");

            Map<String, List<org.bytedeco.dnnl.memory.desc>> union = new java.util.HashMap<>();
            int aloneTotal = 0;
            for (int b : batches) {
                Model m = Model.compile(miniResNet(6));
                alone.add(m);
                m.run(new float[b * 19 * 19 * 3], b);
                aloneTotal += m.constantLayouts();
                m.constantLayoutsByTensor().forEach((key, descs) -> {
                    List<org.bytedeco.dnnl.memory.desc> u = union.computeIfAbsent(key, k -> new ArrayList<>());
                    for (var d : descs) {
                        if (u.stream().noneMatch(d::equals)) u.add(d);
                    }
                });
            }
            Map<String, List<org.bytedeco.dnnl.memory.desc>> held = shared.constantLayoutsByTensor();
            assertEquals(new java.util.TreeSet<>(union.keySet()), new java.util.TreeSet<>(held.keySet()));
            for (var e : union.entrySet()) {
                List<org.bytedeco.dnnl.memory.desc> h = held.get(e.getKey());
                assertEquals(e.getValue().size(), h.size(), e.getKey() + ": layouts held vs distinct layouts needed");
                for (var d : e.getValue()) {
                    assertTrue(h.stream().anyMatch(d::equals), e.getKey() + " lacks a layout a batch size needs");
                }
                if (e.getKey().endsWith("/bias")) assertEquals(1, h.size(), e.getKey() + " is a plain vector");
            }
            // 13 biases at least are shared by all four batch sizes
            assertTrue(made <= aloneTotal - 3 * 13, "shared " + made + " vs " + aloneTotal + " for four models");
        } finally {
            alone.forEach(Model::close);
        }
    }

    /**
     * ResNet50's classifier (2048 -> 1001): for more rows oneDNN's GEMM blocks the sums otherwise, so the engine runs
     * the inner product row by row; every image must get its batch-1 bits in any batch (servers batch requests).
     */
    @Test
    void classifierGivesEveryImageItsBatch1BitsInAnyBatch() throws Exception {
        // another team size between two runs would itself be a change of bits
        onTeamOfOne("classifier-team-1", ModelTest::classifierBatchInvariance);
    }

    private static void classifierBatchInvariance() {
        TestGraph t = new TestGraph(21);
        String x = t.input("features", -1, 2048);
        x = t.matMul("dense/MatMul", x, 2048, 1001, false);
        x = t.biasAdd("dense/BiasAdd", x, 1001);
        t.add("softmax_tensor", Ops.SOFTMAX, List.of(x), "T", DType.FLOAT);
        try (Model m = Model.compile(t.build(), List.of("dense/BiasAdd"))) {
            int batch = 7;
            float[] in = new TestGraph(22).randomInput(batch * 2048);
            Outputs all = m.run(in, batch);
            for (int i = 0; i < batch; i++) {
                Outputs one = m.run(java.util.Arrays.copyOfRange(in, i * 2048, (i + 1) * 2048), 1);
                for (String name : List.of("dense/BiasAdd", "softmax_tensor")) {
                    float[] a = one.floats(name), b = java.util.Arrays.copyOfRange(all.floats(name), i * 1001, (i + 1) * 1001);
                    for (int k = 0; k < 1001; k++) {
                        assertEquals(Float.floatToRawIntBits(a[k]), Float.floatToRawIntBits(b[k]),
                                name + " of image " + i + ", element " + k + ": " + a[k] + " alone vs " + b[k] + " in a batch of " + batch);
                    }
                }
            }
        }
    }

    @Test
    void concurrentRunsEqualSequentialRuns() throws Exception {
        Graph g = miniResNet(7);
        try (Model m = Model.compile(g)) {
            int tasks = 16;
            List<float[]> inputs = new ArrayList<>();
            List<Outputs> sequential = new ArrayList<>();
            for (int i = 0; i < tasks; i++) {
                int batch = i % 2 == 0 ? 1 : 3;
                inputs.add(new TestGraph(100 + i).randomInput(batch * 19 * 19 * 3));
                sequential.add(m.run(inputs.get(i), batch));
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                for (int round = 0; round < 3; round++) {
                    List<Future<Outputs>> futures = new ArrayList<>();
                    for (int i = 0; i < tasks; i++) {
                        int k = i;
                        futures.add(pool.submit(() -> m.run(inputs.get(k), k % 2 == 0 ? 1 : 3)));
                    }
                    for (int i = 0; i < tasks; i++) {
                        Outputs got = futures.get(i).get();
                        assertArrayEquals(sequential.get(i).floats("softmax_tensor"), got.floats("softmax_tensor"));
                        assertArrayEquals(sequential.get(i).longs("ArgMax"), got.longs("ArgMax"));
                    }
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void unsupportedOpNamesTheNode() {
        TestGraph t = new TestGraph(8);
        String x = t.input("in", -1, 4, 4, 2);
        String s = t.randomConst("bn/scale", 1, 2);
        t.add("bn", Ops.FUSED_BATCH_NORM, List.of(x, s, s, s, s), "T", DType.FLOAT, "epsilon", 0.001f,
                "is_training", false, "data_format", "NHWC");
        QtuneException e = assertThrows(QtuneException.class, () -> Model.compile(t.build()));
        assertTrue(e.getMessage().contains("'bn'") && e.getMessage().contains("FusedBatchNorm"), e.getMessage());
    }

    @Test
    void badFusedOpsNamesTheNode() {
        TestGraph t = new TestGraph(9);
        String x = t.input("in", -1, 4, 4, 2);
        t.fusedConv("weird", x, 2, 4, 1, 1, "VALID", null, List.of(Ops.BIAS_ADD, Ops.RELU, Ops.RELU), null);
        QtuneException e = assertThrows(QtuneException.class, () -> Model.compile(t.build()));
        assertTrue(e.getMessage().startsWith("node 'weird'"), e.getMessage());
    }

    @Test
    void computedFilterIsRejected() {
        TestGraph t = new TestGraph(10);
        String x = t.input("in", 1, 1, 2, 2);
        String w = t.add("w", Ops.RESHAPE, List.of(x, t.ints("w/shape", 1, 1, 2, 2)), "T", DType.FLOAT);
        t.add("conv", Ops.CONV2D, List.of(x, w), "T", DType.FLOAT, "strides", new long[] {1, 1, 1, 1}, "padding", "VALID");
        QtuneException e = assertThrows(QtuneException.class, () -> Model.compile(t.build()));
        assertTrue(e.getMessage().startsWith("node 'conv'") && e.getMessage().contains("constant"), e.getMessage());
    }

    @Test
    void wrongInputSizeIsAClearError() {
        try (Model m = Model.compile(miniResNet(11))) {
            QtuneException e = assertThrows(QtuneException.class, () -> m.run(new float[19 * 19 * 3 + 1], 1));
            assertTrue(e.getMessage().contains("'input_tensor'") && e.getMessage().contains("19x19x3"), e.getMessage());
            assertThrows(QtuneException.class, () -> m.run(new float[19 * 19 * 3], 2));
            assertThrows(QtuneException.class, () -> m.run(new float[0], 0));
            assertThrows(QtuneException.class, () -> m.run(null, 1));
            QtuneException out = assertThrows(QtuneException.class, () -> m.run(new float[19 * 19 * 3], 1).floats("nope"));
            assertTrue(out.getMessage().contains("softmax_tensor"), out.getMessage());
        }
    }

    @Test
    void fixedBatchInputRejectsOtherBatches() {
        TestGraph t = new TestGraph(12);
        String x = t.input("in", 2, 3, 3, 2);
        t.add("relu", Ops.RELU, List.of(x), "T", DType.FLOAT);
        try (Model m = Model.compile(t.build())) {
            assertEquals(2 * 18, m.run(new float[2 * 18], 2).floats("relu").length);
            QtuneException e = assertThrows(QtuneException.class, () -> m.run(new float[18], 1));
            assertTrue(e.getMessage().contains("'in'"), e.getMessage());
        }
    }

    @Test
    void closedModelRefusesToRun() {
        Model m = Model.compile(miniResNet(13));
        m.close();
        m.close();
        assertThrows(QtuneException.class, () -> m.run(new float[19 * 19 * 3], 1));
    }

    @Test
    void argMaxPicksFirstOfTies() {
        TestGraph t = new TestGraph(14);
        String x = t.input("in", -1, 4);
        t.argMax("am", x, 1);
        try (Model m = Model.compile(t.build())) {
            assertArrayEquals(new long[] {1, 0}, m.run(new float[] {0, 2, 2, 1, 5, 5, 5, 5}, 2).longs("am"));
        }
    }
}
