package io.qtune.graph;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.qtune.QtuneException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/** Frozen TensorFlow GraphDef (binary .pb) to IR and back. */
public final class GraphDefCodec {
    /** Largest constant filled from a short value list (TF repeats the last value): 2^24 elements, 64 MB. */
    static final int MAX_REPEATED_ELEMENTS = 1 << 24;
    private GraphDefCodec() {}

    /**
     * Reads a frozen .pb file (a regular file, bounded: {@link io.qtune.ModelFile}) and validates it
     * ({@link GraphValidator}); every problem is a one-line {@link QtuneException} naming the file or node.
     */
    public static Graph read(Path file) {
        byte[] bytes = io.qtune.ModelFile.read(file);
        try {
            return fromBytes(bytes, file.toString());
        } catch (QtuneException e) {
            throw e.getMessage().startsWith(file.toString()) ? e : new QtuneException(file + ": " + e.getMessage(), e);
        }
    }

    /** Parses and validates ({@link GraphValidator}) serialized GraphDef bytes; {@code source} names them in errors. */
    public static Graph fromBytes(byte[] bytes, String source) {
        GraphDef def;
        try {
            // aliasing: tensor contents stay views of the file's bytes, not a second copy of every weight
            com.google.protobuf.CodedInputStream in = com.google.protobuf.CodedInputStream.newInstance(bytes);
            in.enableAliasing(true);
            def = GraphDef.parseFrom(in);
        } catch (InvalidProtocolBufferException e) {
            throw new QtuneException(source + ": not a TensorFlow GraphDef, or truncated (" + e.getMessage() + ")");
        } catch (IOException e) { // a byte array never fails to read; protobuf's signature says it might
            throw new QtuneException(source + ": not a TensorFlow GraphDef, or truncated (" + e.getMessage() + ")");
        }
        // protobuf accepts many byte strings as an empty message with unknown fields: insist on real nodes
        if (def.getNodeCount() == 0) {
            throw new QtuneException(source + ": not a TensorFlow GraphDef (no nodes found in " + bytes.length + " bytes)");
        }
        return GraphValidator.validate(fromGraphDef(def));
    }

    public static Graph fromGraphDef(GraphDef def) {
        List<Node> nodes = new ArrayList<>(def.getNodeCount());
        for (NodeDef nd : def.getNodeList()) {
            if (nd.getName().isEmpty() || nd.getOp().isEmpty()) {
                throw new QtuneException("not a TensorFlow GraphDef: a node without name or op (" + nodes.size() + " nodes read)");
            }
            if (!Ops.IMPORTABLE.contains(nd.getOp())) {
                throw new QtuneException("node '" + nd.getName() + "' has op '" + nd.getOp()
                        + "', which qtune does not support (supported: " + new java.util.TreeSet<>(Ops.IMPORTABLE) + ")");
            }
            List<TensorRef> inputs = new ArrayList<>();
            for (String in : nd.getInputList()) {
                if (in.startsWith("^")) continue; // control edges carry no data in a frozen inference graph
                inputs.add(TensorRef.parse(in));
            }
            Map<String, Object> attrs = new LinkedHashMap<>();
            // sorted so the IR (and anything written from it) does not depend on protobuf map order
            for (Map.Entry<String, AttrValue> e : new TreeMap<>(nd.getAttrMap()).entrySet()) {
                attrs.put(e.getKey(), fromAttr(e.getValue(), nd.getName(), e.getKey()));
            }
            nodes.add(new Node(nd.getName(), nd.getOp(), inputs, attrs));
        }
        return new Graph(nodes);
    }

    private static Object fromAttr(AttrValue v, String node, String key) {
        String where = "node '" + node + "' attribute '" + key + "'";
        switch (v.getValueCase()) {
            case S: return v.getS().toStringUtf8();
            case I: return v.getI();
            case F: return v.getF();
            case B: return v.getB();
            case TYPE: return DType.fromTf(v.getTypeValue(), where);
            case SHAPE: return fromShape(v.getShape());
            case TENSOR: return fromTensor(v.getTensor(), where);
            case LIST: {
                AttrValue.ListValue l = v.getList();
                if (l.getSCount() > 0) return l.getSList().stream().map(ByteString::toStringUtf8).toList();
                if (l.getFCount() > 0) {
                    float[] f = new float[l.getFCount()];
                    for (int i = 0; i < f.length; i++) f[i] = l.getF(i);
                    return f;
                }
                if (l.getTypeCount() > 0) return l.getTypeValueList().stream().map(t -> DType.fromTf(t, where)).toList();
                return l.getIList().stream().mapToLong(Long::longValue).toArray();
            }
            case VALUE_NOT_SET: return new long[0];
            default: throw new QtuneException(where + " has an unsupported kind " + v.getValueCase());
        }
    }

    private static ShapeAttr fromShape(TensorShapeProto s) {
        if (s.getUnknownRank()) return new ShapeAttr(null);
        return new ShapeAttr(s.getDimList().stream().mapToLong(TensorShapeProto.Dim::getSize).toArray());
    }

    static Tensor fromTensor(TensorProto t, String where) {
        DType dtype = DType.fromTf(t.getDtypeValue(), where);
        long[] shape = t.getTensorShape().getDimList().stream().mapToLong(TensorShapeProto.Dim::getSize).toArray();
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new QtuneException(where + ": tensor shape " + java.util.Arrays.toString(shape) + " has a negative dimension");
            // checked per step: a product past 2^31 can wrap around to a small number
            n = d == 0 ? 0 : n > Integer.MAX_VALUE / d ? Long.MAX_VALUE : n * d;
        }
        if (n > Integer.MAX_VALUE / 8) throw new QtuneException(where + ": tensor too large " + java.util.Arrays.toString(shape));
        int count = (int) n;
        ByteBuffer raw = t.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        boolean hasRaw = !t.getTensorContent().isEmpty();
        // TF repeats the last listed value to fill a shape: a few bytes in the file must not become gigabytes in memory
        if (!hasRaw && count > MAX_REPEATED_ELEMENTS) {
            throw new QtuneException(where + ": tensor " + java.util.Arrays.toString(shape) + " of " + count
                    + " elements is given by repeated values; more than " + MAX_REPEATED_ELEMENTS + " must be stored in full");
        }
        switch (dtype) {
            case FLOAT: {
                float[] f = new float[count];
                if (hasRaw) {
                    checkRaw(raw, count * 4L, where);
                    raw.asFloatBuffer().get(f);
                } else {
                    fill(f, t.getFloatValList(), where);
                }
                return Tensor.ofFloats(shape, f);
            }
            case BFLOAT16: {
                float[] f = new float[count];
                if (hasRaw) {
                    checkRaw(raw, count * 2L, where);
                    for (int i = 0; i < count; i++) f[i] = Bfloat16.value(raw.getShort());
                } else {
                    // TF keeps bfloat16 list values in half_val, one 16-bit pattern per int32
                    List<Integer> vals = t.getHalfValList();
                    if (vals.size() > count) throw new QtuneException(where + ": " + vals.size() + " values for " + count + " elements");
                    for (int i = 0; i < count && !vals.isEmpty(); i++) {
                        f[i] = Bfloat16.value((short) (int) vals.get(Math.min(i, vals.size() - 1)));
                    }
                }
                return Tensor.ofBfloat16(shape, f);
            }
            case INT32: case INT8: case UINT8: case QINT8: case QUINT8: case QINT32: case INT64: case BOOL: {
                long[] l = new long[count];
                int width = switch (dtype) { case INT64 -> 8; case INT32, QINT32 -> 4; default -> 1; };
                if (hasRaw) {
                    checkRaw(raw, (long) count * width, where);
                    for (int i = 0; i < count; i++) {
                        l[i] = switch (width) {
                            case 8 -> raw.getLong();
                            case 4 -> raw.getInt();
                            default -> dtype == DType.UINT8 || dtype == DType.QUINT8 || dtype == DType.BOOL
                                    ? Byte.toUnsignedLong(raw.get()) : raw.get();
                        };
                    }
                } else {
                    List<? extends Number> vals = dtype == DType.INT64 ? t.getInt64ValList()
                            : dtype == DType.BOOL ? t.getBoolValList().stream().map(b -> b ? 1 : 0).toList() : t.getIntValList();
                    for (int i = 0; i < count; i++) {
                        if (vals.isEmpty()) break;
                        l[i] = vals.get(Math.min(i, vals.size() - 1)).longValue(); // TF repeats the last value
                    }
                }
                return Tensor.ofLongs(dtype, shape, l);
            }
            default:
                throw new QtuneException(where + ": constant of type " + dtype + " is not supported");
        }
    }

    private static void checkRaw(ByteBuffer raw, long need, String where) {
        if (raw.remaining() != need) {
            throw new QtuneException(where + ": tensor content has " + raw.remaining() + " bytes, shape needs " + need);
        }
    }

    private static void fill(float[] f, List<Float> vals, String where) {
        if (vals.size() > f.length) throw new QtuneException(where + ": " + vals.size() + " values for " + f.length + " elements");
        for (int i = 0; i < f.length && !vals.isEmpty(); i++) f[i] = vals.get(Math.min(i, vals.size() - 1));
    }

    // ---- IR to GraphDef ----

    public static GraphDef toGraphDef(Graph g) {
        GraphDef.Builder b = GraphDef.newBuilder();
        b.getVersionsBuilder().setProducer(1087);
        for (Node n : g.nodes()) {
            NodeDef.Builder nd = NodeDef.newBuilder().setName(n.name()).setOp(n.op());
            for (TensorRef in : n.inputs()) nd.addInput(in.toString());
            n.attrs().forEach((k, v) -> nd.putAttr(k, toAttr(v)));
            b.addNode(nd);
        }
        return b.build();
    }

    /** Serialized bytes; deterministic so the same IR always gives the same file. */
    public static byte[] toBytes(Graph g) {
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            writeTo(toGraphDef(g), out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void writeTo(GraphDef def, java.io.OutputStream out) throws IOException {
        com.google.protobuf.CodedOutputStream cos = com.google.protobuf.CodedOutputStream.newInstance(out, 1 << 16);
        cos.useDeterministicSerialization();
        def.writeTo(cos);
        cos.flush();
    }

    /**
     * Writes the graph to a temp file beside the target and renames it into place: never a half-written file. The
     * bytes are {@link #toBytes}'s, streamed: the serialized file is never in memory as a whole.
     */
    public static void write(Graph g, Path file) {
        GraphDef def = toGraphDef(g);
        io.qtune.AtomicFiles.write(file, out -> writeTo(def, out));
    }

    @SuppressWarnings("unchecked")
    private static AttrValue toAttr(Object v) {
        AttrValue.Builder a = AttrValue.newBuilder();
        if (v instanceof String s) return a.setS(ByteString.copyFromUtf8(s)).build();
        if (v instanceof Long l) return a.setI(l).build();
        if (v instanceof Integer i) return a.setI(i).build();
        if (v instanceof Float f) return a.setF(f).build();
        if (v instanceof Boolean bo) return a.setB(bo).build();
        if (v instanceof DType t) return a.setTypeValue(t.tfNumber).build();
        if (v instanceof ShapeAttr s) return a.setShape(toShape(s.dims())).build();
        if (v instanceof Tensor t) return a.setTensor(toTensor(t)).build();
        AttrValue.ListValue.Builder l = AttrValue.ListValue.newBuilder();
        if (v instanceof long[] arr) {
            for (long x : arr) l.addI(x);
        } else if (v instanceof float[] arr) {
            for (float x : arr) l.addF(x);
        } else if (v instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof DType) {
            for (DType t : (List<DType>) list) l.addTypeValue(t.tfNumber);
        } else if (v instanceof List<?> list) {
            for (String s : (List<String>) list) l.addS(ByteString.copyFromUtf8(s));
        } else {
            throw new IllegalArgumentException("cannot encode attribute value of " + v.getClass());
        }
        return a.setList(l).build();
    }

    private static TensorShapeProto toShape(long[] dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        if (dims == null) return s.setUnknownRank(true).build();
        for (long d : dims) s.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
        return s.build();
    }

    public static TensorProto toTensor(Tensor t) {
        TensorProto.Builder p = TensorProto.newBuilder().setDtypeValue(t.dtype().tfNumber).setTensorShape(toShape(t.shape()));
        ByteBuffer buf;
        if (t.dtype() == DType.BFLOAT16) {
            buf = ByteBuffer.allocate(t.size() * 2).order(ByteOrder.LITTLE_ENDIAN);
            for (float x : t.floats()) buf.putShort(Bfloat16.bits(x));
        } else if (t.isFloat()) {
            buf = ByteBuffer.allocate(t.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
            buf.asFloatBuffer().put(t.floats());
        } else {
            int width = switch (t.dtype()) { case INT64 -> 8; case INT32, QINT32 -> 4; default -> 1; };
            buf = ByteBuffer.allocate(t.size() * width).order(ByteOrder.LITTLE_ENDIAN);
            for (long x : t.longs()) {
                switch (width) {
                    case 8 -> buf.putLong(x);
                    case 4 -> buf.putInt((int) x);
                    default -> buf.put((byte) x);
                }
            }
            buf.flip();
        }
        // the buffer is ours alone and never written again: wrapped, not copied
        return p.setTensorContent(com.google.protobuf.UnsafeByteOperations.unsafeWrap(buf.array())).build();
    }

}
