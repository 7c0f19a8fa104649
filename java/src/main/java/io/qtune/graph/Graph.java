package io.qtune.graph;

import io.qtune.QtuneException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The IR: an immutable, validated graph of {@link Node}s held in topological order.
 * Construction fails with a {@link QtuneException} naming the node at fault on duplicate names,
 * dangling inputs or cycles. Rewrite passes build a new graph with {@link #edit()}.
 */
public final class Graph {
    private final List<Node> nodes;
    private final Map<String, Node> byName;
    private final Map<String, List<Node>> consumers;

    public Graph(List<Node> unordered) {
        Map<String, Node> index = new LinkedHashMap<>();
        for (Node n : unordered) {
            if (index.put(n.name(), n) != null) throw new QtuneException("duplicate node name '" + n.name() + "'");
        }
        for (Node n : unordered) {
            for (TensorRef in : n.inputs()) {
                if (!index.containsKey(in.node())) {
                    throw new QtuneException("node '" + n.name() + "' (" + n.op() + ") reads '" + in + "', which no node produces");
                }
            }
        }
        this.byName = Collections.unmodifiableMap(index);
        this.nodes = List.copyOf(topologicalOrder(unordered, index));
        Map<String, List<Node>> users = new HashMap<>();
        for (Node n : nodes) {
            for (TensorRef in : n.inputs()) {
                List<Node> list = users.computeIfAbsent(in.node(), k -> new ArrayList<>());
                if (!list.contains(n)) list.add(n);
            }
        }
        this.consumers = users;
    }

    /** Kahn's algorithm, stable with respect to the given order so rewrites keep a readable order. */
    private static List<Node> topologicalOrder(List<Node> nodes, Map<String, Node> index) {
        Map<String, Integer> pending = new HashMap<>();
        Map<String, List<Node>> users = new HashMap<>();
        for (Node n : nodes) {
            int distinct = 0;
            List<String> seen = new ArrayList<>();
            for (TensorRef in : n.inputs()) {
                if (seen.contains(in.node())) continue;
                seen.add(in.node());
                distinct++;
                users.computeIfAbsent(in.node(), k -> new ArrayList<>()).add(n);
            }
            pending.put(n.name(), distinct);
        }
        List<Node> order = new ArrayList<>(nodes.size());
        Deque<Node> ready = new ArrayDeque<>();
        for (Node n : nodes) if (pending.get(n.name()) == 0) ready.add(n);
        while (!ready.isEmpty()) {
            Node n = ready.poll();
            order.add(n);
            for (Node u : users.getOrDefault(n.name(), List.of())) {
                if (pending.merge(u.name(), -1, Integer::sum) == 0) ready.add(u);
            }
        }
        if (order.size() != nodes.size()) {
            for (Node n : nodes) {
                if (pending.get(n.name()) > 0) {
                    throw new QtuneException("graph has a cycle through node '" + n.name() + "' (" + n.op() + ")");
                }
            }
        }
        return order;
    }

    /** All nodes, producers before consumers. */
    public List<Node> nodes() {
        return nodes;
    }

    /** All nodes, consumers before producers: fusions visit the end of a chain first so the longest match wins. */
    public List<Node> nodesReversed() {
        List<Node> r = new ArrayList<>(nodes);
        Collections.reverse(r);
        return r;
    }

    public int size() {
        return nodes.size();
    }

    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    public Node node(String name) {
        Node n = byName.get(name);
        if (n == null) throw new QtuneException("graph has no node named '" + name + "'");
        return n;
    }

    /** The node producing the given tensor. */
    public Node producer(TensorRef ref) {
        return node(ref.node());
    }

    /** Nodes that read any output of the named node. */
    public List<Node> consumers(String name) {
        return consumers.getOrDefault(name, List.of());
    }

    /** The constant behind a tensor, looking through Identity nodes; null if it is not constant. */
    public Tensor constant(TensorRef ref) {
        Node n = producer(ref);
        while (n.op().equals(Ops.IDENTITY)) n = producer(n.input(0));
        return n.op().equals(Ops.CONST) ? n.attrTensor("value") : null;
    }

    /** Like {@link #constant} but fails with a message naming the consumer when the tensor is not constant. */
    public Tensor requireConstant(Node consumer, int inputIndex) {
        Tensor t = constant(consumer.input(inputIndex));
        if (t == null) {
            throw new QtuneException("node '" + consumer.name() + "' (" + consumer.op() + ") needs a constant input "
                    + inputIndex + " ('" + consumer.input(inputIndex) + "'), found a computed tensor");
        }
        return t;
    }

    public List<Node> placeholders() {
        return nodes.stream().filter(n -> n.op().equals(Ops.PLACEHOLDER)).toList();
    }

    /** Nodes nothing reads: the graph's outputs (a frozen ResNet50: softmax_tensor and ArgMax). */
    public List<Node> sinks() {
        return nodes.stream().filter(n -> consumers(n.name()).isEmpty() && !n.op().equals(Ops.CONST)).toList();
    }

    public Map<String, Integer> opCounts() {
        Map<String, Integer> counts = new java.util.TreeMap<>();
        for (Node n : nodes) counts.merge(n.op(), 1, Integer::sum);
        return counts;
    }

    public Editor edit() {
        return new Editor(this);
    }

    /**
     * A mutable copy for one rewrite: replace, add, remove nodes and redirect readers, then {@link #build()}.
     * build() drops nodes that no longer feed any of the original graph's sinks.
     */
    public static final class Editor {
        private final LinkedHashMap<String, Node> nodes = new LinkedHashMap<>();
        private final List<String> sinks;

        private Editor(Graph g) {
            for (Node n : g.nodes) nodes.put(n.name(), n);
            sinks = g.sinks().stream().map(Node::name).toList();
        }

        public Node get(String name) {
            return nodes.get(name);
        }

        public Editor put(Node n) {
            nodes.put(n.name(), n);
            return this;
        }

        public Editor remove(String name) {
            nodes.remove(name);
            return this;
        }

        /** Makes every reader of {@code from} read {@code to} instead. */
        public Editor redirect(TensorRef from, TensorRef to) {
            for (Map.Entry<String, Node> e : nodes.entrySet()) {
                Node n = e.getValue();
                if (!n.inputs().contains(from)) continue;
                List<TensorRef> ins = new ArrayList<>(n.inputs());
                ins.replaceAll(r -> r.equals(from) ? to : r);
                e.setValue(n.withInputs(ins));
            }
            return this;
        }

        /** A node name not yet used, derived from base. */
        public String uniqueName(String base) {
            if (!nodes.containsKey(base)) return base;
            for (int i = 1; ; i++) {
                String s = base + "_" + i;
                if (!nodes.containsKey(s)) return s;
            }
        }

        public Graph build() {
            Graph g = new Graph(new ArrayList<>(nodes.values()));
            return g.pruneTo(sinks.stream().filter(g::contains).toList());
        }
    }

    /** Keeps only the nodes the given outputs depend on. */
    public Graph pruneTo(List<String> outputs) {
        java.util.Set<String> keep = new java.util.HashSet<>();
        Deque<String> todo = new ArrayDeque<>(outputs);
        while (!todo.isEmpty()) {
            String s = todo.pop();
            if (!keep.add(s)) continue;
            for (TensorRef in : node(s).inputs()) todo.push(in.node());
        }
        if (keep.size() == nodes.size()) return this;
        return new Graph(nodes.stream().filter(n -> keep.contains(n.name())).toList());
    }
}
