package io.qtune.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.qtune.QtuneException;
import io.qtune.export.Int8GraphWriter;
import io.qtune.export.MinMaxDecisions;
import io.qtune.graph.DType;
import io.qtune.graph.Graph;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.TensorRef;
import io.qtune.graph.passes.Passes;
import io.qtune.testing.GraphBuilder;
import io.qtune.testing.SmallResNet;
import io.qtune.testing.TfReference;
import io.qtune.reference.ReferenceInterpreter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Convolutions a plan puts in bf16: the exporter writes their TF ops as DT_BFLOAT16, the engine reads them back as
 * marks that survive fusion and runs them as oneDNN bf16 convolutions (close to the FP32 reference, yet not the FP32
 * engine's numbers), and TF runs the same graph in bf16 too.
 */
public class Bf16EngineTest {
    /** A ReLU convolution and a residual sum + ReLU convolution. */
    static final List<String> TARGETS = List.of("block2/relu2", "block2/relu_out");
    static final int BATCH = 3;

    static Graph fused;
    static MinMaxDecisions allFp32;
    static float[] input;
    static Map<TensorRef, ReferenceInterpreter.Value> reference;

    @BeforeAll
    static void setUp() {
        fused = Passes.fuseForInference(SmallResNet.build(11));
        Set<String> convs = new java.util.HashSet<>();
        for (Node n : fused.nodes()) if (Ops.isConv(n.op())) convs.add(n.name());
        allFp32 = new MinMaxDecisions(Map.of(), convs, true);
        long[] shape = SmallResNet.inputShape(BATCH);
        input = GraphBuilder.randomInput(21, 2.0, shape);
        reference = new ReferenceInterpreter(fused).runAll(Map.of(SmallResNet.INPUT, new ReferenceInterpreter.Value(shape, input)));
    }

    static Graph export(Set<String> bf16) {
        return new Int8GraphWriter().convert(fused, allFp32.withBf16(bf16)).graph();
    }

    static boolean marked(Node n) {
        return Ops.BF16.equals(n.attrs().get(Ops.PRECISION_ATTR));
    }

    static float maxAbs(float[] a) {
        float m = 0;
        for (float v : a) m = Math.max(m, Math.abs(v));
        return m;
    }

    @Test
    void theExporterWritesEveryTfOpOfABf16ConvolutionInBf16AndNothingElse() {
        Graph g = export(Set.copyOf(TARGETS));
        List<String> bf16 = g.nodes().stream().filter(n -> n.attrType("T", DType.FLOAT) == DType.BFLOAT16)
                .map(Node::name).sorted().toList();
        assertEquals(List.of("block2/relu2", "block2/relu2/BiasAdd", "block2/relu2/Conv2D",
                "block2/relu_out", "block2/relu_out/Add", "block2/relu_out/BiasAdd", "block2/relu_out/Conv2D"), bf16);
        assertTrue(g.nodes().stream().noneMatch(Bf16EngineTest::marked), "marks left beside the bf16 types");
        // weights and bias in bfloat16; a Cast wherever the type changes
        assertEquals(DType.BFLOAT16, g.constant(g.node("block2/relu2/Conv2D").input(1)).dtype());
        assertEquals(DType.BFLOAT16, g.constant(g.node("block2/relu2/BiasAdd").input(1)).dtype());
        for (Node n : g.nodes()) {
            if (!n.op().equals(Ops.CAST) || n.attrType("SrcT") == DType.INT64) continue;
            assertTrue(n.attrType("SrcT") == DType.BFLOAT16 ^ n.attrType("DstT") == DType.BFLOAT16, n.toString());
        }
        // the same inputs give the same bytes, and without bf16 decisions there is nothing bf16
        assertArrayEquals(GraphDefCodec.toBytes(g), GraphDefCodec.toBytes(export(Set.copyOf(TARGETS))));
        assertTrue(export(Set.of()).nodes().stream().noneMatch(n -> n.attrType("T", DType.FLOAT) == DType.BFLOAT16));
    }

    @Test
    void theMarkSurvivesTheFusionPasses() {
        Graph refused = Passes.fuseForInference(GraphDefCodec.fromBytes(GraphDefCodec.toBytes(export(Set.copyOf(TARGETS))), "test"));
        for (String t : TARGETS) {
            Node n = refused.node(t);
            assertEquals(Ops.FUSED_CONV2D, n.op(), t);
            assertEquals(Ops.BF16, n.attrString(Ops.PRECISION_ATTR), t);
        }
        assertEquals(List.of(Ops.BIAS_ADD, Ops.ADD, Ops.RELU), refused.node("block2/relu_out").attrStrings("fused_ops"));
        assertFalse(refused.node("block2/relu1").hasAttr(Ops.PRECISION_ATTR));
    }

    @Test
    void aBf16ConvolutionIsWithinBf16ToleranceOfTheReferenceButNotTheFp32EnginesNumbers() {
        assumeTrue(ProgramCompiler.cpuHasBf16(), "the CPU has no avx512_bf16/AMX");
        Outputs fp32;
        try (Model m = Model.compile(Passes.fuseForInference(export(Set.of())), TARGETS)) {
            fp32 = m.run(input, BATCH);
            assertTrue(m.describe(BATCH).stream().noneMatch(l -> l.startsWith("bf16")), String.join("\n", m.describe(BATCH)));
        }
        for (String t : TARGETS) {
            try (Model m = Model.compile(Passes.fuseForInference(export(Set.of(t))), TARGETS)) {
                Outputs o = m.run(input, BATCH);
                List<String> lines = m.describe(BATCH);
                List<String> bf16Lines = lines.stream().filter(l -> l.startsWith("bf16 convolution")).toList();
                assertEquals(1, bf16Lines.size(), String.join("\n", lines));
                String line = bf16Lines.get(0);
                assertTrue(line.contains("'" + t + "'") && line.contains("bf16") && !line.contains(" ref"), line);
                System.out.println(line);

                float[] ref = reference.get(new TensorRef(t, 0)).data();
                float scale = maxAbs(ref);
                float dBf16 = GraphBuilder.maxAbsDiff(ref, o.floats(t)) / scale;
                float dFp32 = GraphBuilder.maxAbsDiff(ref, fp32.floats(t)) / scale;
                System.out.printf("%s: max |bf16 engine - reference| / max |reference| = %.3e, FP32 engine %.3e%n", t, dBf16, dFp32);
                assertTrue(dBf16 <= 1e-2, t + ": relative error " + dBf16);
                assertFalse(Arrays.equals(fp32.floats(t), o.floats(t)), t + ": bf16 gave the FP32 engine's numbers");
                // bf16 rounds inputs to 8 significant bits: its error must dwarf FP32's rounding-order noise
                assertTrue(dBf16 > 10 * dFp32, t + ": bf16 error " + dBf16 + " vs FP32 " + dFp32);
                // the convolution that reads it is FP32 again and stays close
                float[] sm = reference.get(new TensorRef("softmax_tensor", 0)).data();
                assertTrue(GraphBuilder.maxAbsDiff(sm, o.floats("softmax_tensor")) < 1e-2, t + ": softmax");
            }
        }
    }

    /** Runs where the CPU lacks bf16, or under ONEDNN_MAX_CPU_ISA=AVX512_CORE_VNNI (how it was checked here). */
    @Test
    void withoutBf16InTheCpuTheMarkedConvolutionRunsInFp32WithANote() {
        assumeTrue(!ProgramCompiler.cpuHasBf16(), "the CPU has avx512_bf16: the bf16 path runs instead");
        float[] fp32;
        try (Model m = Model.compile(Passes.fuseForInference(export(Set.of())), TARGETS)) {
            fp32 = m.run(input, BATCH).floats("block2/relu_out");
        }
        try (Model m = Model.compile(Passes.fuseForInference(export(Set.of("block2/relu_out"))), TARGETS)) {
            List<String> lines = m.describe(BATCH);
            assertEquals("note: node 'block2/relu_out' runs in FP32, not bf16: the CPU has no avx512_bf16/AMX", lines.get(1));
            assertTrue(lines.stream().noneMatch(l -> l.startsWith("bf16")), String.join("\n", lines));
            // FP32 arithmetic on the file's bf16-rounded weights: within bf16's weight rounding of the FP32 plan
            float[] got = m.run(input, BATCH).floats("block2/relu_out");
            assertTrue(GraphBuilder.maxAbsDiff(fp32, got) / maxAbs(fp32) <= 1e-2);
        }
    }

    @Test
    void tensorFlowRunsTheBf16ConvolutionsInBf16() {
        io.qtune.testing.Cpu.assumeTfRunsBf16();
        Graph g = export(Set.copyOf(TARGETS));
        List<String> fetches = new ArrayList<>(TARGETS);
        fetches.add("softmax_tensor");
        Map<String, float[]> tf = TfReference.run(g, SmallResNet.INPUT, input, SmallResNet.inputShape(BATCH), fetches);
        Map<String, float[]> tfFp32 = TfReference.run(export(Set.of()), SmallResNet.INPUT, input, SmallResNet.inputShape(BATCH), fetches);
        for (String f : fetches) {
            float[] ref = reference.get(new TensorRef(f, 0)).data();
            float d = GraphBuilder.maxAbsDiff(ref, tf.get(f)) / maxAbs(ref);
            float dFp32 = GraphBuilder.maxAbsDiff(ref, tfFp32.get(f)) / maxAbs(ref);
            System.out.printf("TF on the bf16 graph, %s: relative max |diff| %.3e (FP32 graph %.3e)%n", f, d, dFp32);
            assertTrue(d <= 1e-2, f + ": " + d);
            // bf16 ran: 8 significant bits leave far more error than FP32's rounding order
            if (TARGETS.contains(f)) assertTrue(d > 10 * dFp32, f + ": bf16 error " + d + " vs FP32 " + dFp32);
        }
    }

    @Test
    void anUnknownPrecisionMarkIsRejected() {
        List<Node> nodes = new ArrayList<>();
        for (Node n : fused.nodes()) nodes.add(n.name().equals("block2/relu2") ? n.withAttr(Ops.PRECISION_ATTR, "fp16") : n);
        QtuneException e = assertThrows(QtuneException.class, () -> Model.compile(new Graph(nodes)).close());
        assertEquals("node 'block2/relu2' (_FusedConv2D): _qtune_precision is 'fp16', expected 'bf16' or 'fp32'", e.getMessage());
    }
}
