package io.qtune.engine;

import java.util.List;

/** One entry of a compiled program: a oneDNN primitive or a small host computation. */
abstract sealed class Step permits PrimitiveStep, HostStep {
    /** The graph node this step computes (or prepares data for), for messages and profiles. */
    final String node;
    /** What the step does, e.g. "convolution", "reorder", "argmax". */
    final String kind;
    final List<Value> reads;
    final List<Value> writes;

    Step(String node, String kind, List<Value> reads, List<Value> writes) {
        this.node = node;
        this.kind = kind;
        this.reads = List.copyOf(reads);
        this.writes = List.copyOf(writes);
    }

    @Override
    public String toString() {
        return kind + " for '" + node + "'";
    }
}
