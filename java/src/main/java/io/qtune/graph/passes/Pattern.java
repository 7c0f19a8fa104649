package io.qtune.graph.passes;

import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A declarative sub-graph pattern, matched from a root node up through its inputs (the idea of TensorFlow's
 * OpTypePattern). Example: {@code op("Relu").from(op("BiasAdd").from(op("Conv2D").as("conv"), constant().as("bias")))}.
 * Only the inputs a pattern lists are checked, in order; {@link #fromAnyOrder} tries both orders of two inputs.
 */
public final class Pattern {
    private final Set<String> ops; // empty: any op
    private final List<Pattern> inputs;
    private final boolean anyOrder;
    private final String binding;

    private Pattern(Set<String> ops, List<Pattern> inputs, boolean anyOrder, String binding) {
        this.ops = ops;
        this.inputs = inputs;
        this.anyOrder = anyOrder;
        this.binding = binding;
    }

    public static Pattern op(String... ops) {
        return new Pattern(Set.of(ops), List.of(), false, null);
    }

    public static Pattern any() {
        return new Pattern(Set.of(), List.of(), false, null);
    }

    /** A Const node (also reached through Identity nodes). */
    public static Pattern constant() {
        return new Pattern(Set.of(Ops.CONST), List.of(), false, null);
    }

    public Pattern from(Pattern... in) {
        return new Pattern(ops, List.of(in), false, binding);
    }

    public Pattern fromAnyOrder(Pattern a, Pattern b) {
        return new Pattern(ops, List.of(a, b), true, binding);
    }

    /** Names the matched node so the pass can look it up in the {@link Match}. */
    public Pattern as(String name) {
        return new Pattern(ops, inputs, anyOrder, name);
    }

    public Optional<Match> match(Graph g, Node root) {
        Map<String, Node> bound = new LinkedHashMap<>();
        List<Node> matched = new ArrayList<>();
        return matchInto(g, root, bound, matched) ? Optional.of(new Match(root, bound, matched)) : Optional.empty();
    }

    private boolean matchInto(Graph g, Node n, Map<String, Node> bound, List<Node> matched) {
        if (ops.contains(Ops.CONST)) {
            while (n.op().equals(Ops.IDENTITY) && !n.inputs().isEmpty()) n = g.producer(n.input(0));
        }
        if (!ops.isEmpty() && !ops.contains(n.op())) return false;
        if (n.inputs().size() < inputs.size()) return false;
        int markBound = bound.size(), markMatched = matched.size();
        if (tryInputs(g, n, inputs, bound, matched)
                || (anyOrder && tryInputs(g, n, List.of(inputs.get(1), inputs.get(0)), bound, matched))) {
            if (binding != null) bound.put(binding, n);
            matched.add(n);
            return true;
        }
        rollback(bound, markBound, matched, markMatched);
        return false;
    }

    private static boolean tryInputs(Graph g, Node n, List<Pattern> ins, Map<String, Node> bound, List<Node> matched) {
        int markBound = bound.size(), markMatched = matched.size();
        for (int i = 0; i < ins.size(); i++) {
            if (n.input(i).output() != 0 || !ins.get(i).matchInto(g, g.producer(n.input(i)), bound, matched)) {
                rollback(bound, markBound, matched, markMatched);
                return false;
            }
        }
        return true;
    }

    private static void rollback(Map<String, Node> bound, int boundSize, List<Node> matched, int matchedSize) {
        while (bound.size() > boundSize) bound.remove(new ArrayList<>(bound.keySet()).get(bound.size() - 1));
        while (matched.size() > matchedSize) matched.remove(matched.size() - 1);
    }

    /** The result of a successful match: the root, the named nodes, and every matched node. */
    public record Match(Node root, Map<String, Node> bindings, List<Node> nodes) {
        public Node get(String name) {
            Node n = bindings.get(name);
            if (n == null) throw new IllegalArgumentException("pattern binds no node '" + name + "'");
            return n;
        }

        public boolean has(String name) {
            return bindings.containsKey(name);
        }

        /**
         * True when the named node's output is read only by matched nodes, so fusing it away loses nothing.
         */
        public boolean readOnlyInside(Graph g, String name) {
            Node n = get(name);
            for (Node c : g.consumers(n.name())) {
                if (!nodes.contains(c)) return false;
            }
            return true;
        }
    }
}
