package io.qtune.graph.passes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.qtune.QtuneException;
import io.qtune.graph.DType;
import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReadBf16Test {
    private static Graph constant(Tensor value) {
        return new Graph(List.of(new Node("c", Ops.CONST, List.of(), Map.of("dtype", DType.BFLOAT16, "value", value))));
    }

    @Test
    void aBf16ConstantBecomesAFloatConstantOfTheSameValues() {
        float[] v = {1.5f, -0.25f, 3.0f};
        Node c = new ReadBf16().apply(constant(Tensor.ofBfloat16(new long[] {3}, v))).node("c");
        assertEquals(DType.FLOAT, c.attrs().get("dtype"));
        assertEquals(DType.FLOAT, c.attrTensor("value").dtype());
        assertArrayEquals(v, c.attrTensor("value").floats());
    }

    @Test
    void aConstantSayingBf16WithIntegerValuesIsRefusedNamingTheNode() {
        // found by scripts/fuzz: an IllegalStateException ("tensor of INT32 has no float values") before
        QtuneException e = assertThrows(QtuneException.class,
                () -> new ReadBf16().apply(constant(Tensor.vectorInt32(1, 2, 3))));
        assertEquals("node 'c' (Const): its attributes say bfloat16 but its value is a INT32 tensor", e.getMessage());
    }
}
