package io.qtune.graph;

import java.util.Arrays;

/** A TensorFlow shape attribute (e.g. a Placeholder's shape); -1 marks an unknown dimension, null dims an unknown rank. */
public record ShapeAttr(long[] dims) {
    public boolean unknownRank() {
        return dims == null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ShapeAttr s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return dims == null ? "<unknown>" : Arrays.toString(dims);
    }
}
