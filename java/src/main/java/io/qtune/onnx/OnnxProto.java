package io.qtune.onnx;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * ONNX messages written at the protobuf wire level, from the published field numbers of onnx.proto (ONNX IR
 * version 7). Only what the exporter emits: model, opset import, graph, node, attribute, tensor, value info and
 * tensor type. Fields go out in a fixed order and nothing depends on time or hashing, so equal inputs give equal bytes.
 */
final class OnnxProto {
    private OnnxProto() {}

    /** ONNX IR version 7 goes with opset 13. */
    static final long IR_VERSION = 7;
    static final long OPSET = 13;

    // TensorProto.DataType
    static final int FLOAT = 1, UINT8 = 2, INT8 = 3, INT32 = 6, INT64 = 7, BOOL = 9;

    // ModelProto
    private static final int MODEL_IR_VERSION = 1, MODEL_PRODUCER_NAME = 2, MODEL_PRODUCER_VERSION = 3,
            MODEL_DOC_STRING = 6, MODEL_GRAPH = 7, MODEL_OPSET_IMPORT = 8;
    // OperatorSetIdProto
    private static final int OPSET_DOMAIN = 1, OPSET_VERSION = 2;
    // GraphProto
    private static final int GRAPH_NODE = 1, GRAPH_NAME = 2, GRAPH_INITIALIZER = 5, GRAPH_INPUT = 11, GRAPH_OUTPUT = 12;
    // NodeProto
    private static final int NODE_INPUT = 1, NODE_OUTPUT = 2, NODE_NAME = 3, NODE_OP_TYPE = 4, NODE_ATTRIBUTE = 5;
    // AttributeProto and its AttributeType enum
    private static final int ATTR_NAME = 1, ATTR_F = 2, ATTR_I = 3, ATTR_INTS = 8, ATTR_TYPE = 20;
    private static final int ATTR_TYPE_FLOAT = 1, ATTR_TYPE_INT = 2, ATTR_TYPE_INTS = 7;
    // TensorProto
    private static final int TENSOR_DIMS = 1, TENSOR_DATA_TYPE = 2, TENSOR_NAME = 8, TENSOR_RAW_DATA = 9;
    // ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto, TensorShapeProto.Dimension
    private static final int VALUE_NAME = 1, VALUE_TYPE = 2;
    private static final int TYPE_TENSOR_TYPE = 1;
    private static final int TENSOR_TYPE_ELEM_TYPE = 1, TENSOR_TYPE_SHAPE = 2;
    private static final int SHAPE_DIM = 1;
    private static final int DIM_VALUE = 1, DIM_PARAM = 2;

    /** One message being written: fields in call order. */
    static final class Message {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final CodedOutputStream out = CodedOutputStream.newInstance(bytes);

        Message string(int field, String v) {
            try {
                out.writeString(field, v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Message int64(int field, long v) {
            try {
                out.writeInt64(field, v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Message int32(int field, int v) {
            try {
                out.writeInt32(field, v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Message float32(int field, float v) {
            try {
                out.writeFloat(field, v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Message bytes(int field, byte[] v) {
            try {
                out.writeByteArray(field, v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        byte[] toByteArray() {
            try {
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }
    }

    static byte[] model(byte[] graph, String producerVersion, String docString) {
        Message m = new Message().int64(MODEL_IR_VERSION, IR_VERSION).string(MODEL_PRODUCER_NAME, "qtune")
                .string(MODEL_PRODUCER_VERSION, producerVersion);
        if (!docString.isEmpty()) m.string(MODEL_DOC_STRING, docString);
        m.bytes(MODEL_GRAPH, graph);
        m.bytes(MODEL_OPSET_IMPORT, new Message().string(OPSET_DOMAIN, "").int64(OPSET_VERSION, OPSET).toByteArray());
        return m.toByteArray();
    }

    static byte[] graph(String name, Iterable<byte[]> nodes, Iterable<byte[]> initializers, Iterable<byte[]> inputs,
                        Iterable<byte[]> outputs) {
        Message m = new Message();
        for (byte[] n : nodes) m.bytes(GRAPH_NODE, n);
        m.string(GRAPH_NAME, name);
        for (byte[] t : initializers) m.bytes(GRAPH_INITIALIZER, t);
        for (byte[] v : inputs) m.bytes(GRAPH_INPUT, v);
        for (byte[] v : outputs) m.bytes(GRAPH_OUTPUT, v);
        return m.toByteArray();
    }

    static byte[] node(String name, String opType, Iterable<String> inputs, Iterable<String> outputs, Iterable<byte[]> attributes) {
        Message m = new Message();
        for (String s : inputs) m.string(NODE_INPUT, s);
        for (String s : outputs) m.string(NODE_OUTPUT, s);
        m.string(NODE_NAME, name).string(NODE_OP_TYPE, opType);
        for (byte[] a : attributes) m.bytes(NODE_ATTRIBUTE, a);
        return m.toByteArray();
    }

    static byte[] intAttr(String name, long v) {
        return new Message().string(ATTR_NAME, name).int64(ATTR_I, v).int32(ATTR_TYPE, ATTR_TYPE_INT).toByteArray();
    }

    static byte[] floatAttr(String name, float v) {
        return new Message().string(ATTR_NAME, name).float32(ATTR_F, v).int32(ATTR_TYPE, ATTR_TYPE_FLOAT).toByteArray();
    }

    static byte[] intsAttr(String name, long... v) {
        Message m = new Message().string(ATTR_NAME, name);
        for (long x : v) m.int64(ATTR_INTS, x);
        return m.int32(ATTR_TYPE, ATTR_TYPE_INTS).toByteArray();
    }

    /** A tensor with its values as little-endian raw_data. */
    static byte[] tensor(String name, int dataType, long[] dims, byte[] rawLittleEndian) {
        Message m = new Message();
        for (long d : dims) m.int64(TENSOR_DIMS, d);
        return m.int32(TENSOR_DATA_TYPE, dataType).string(TENSOR_NAME, name).bytes(TENSOR_RAW_DATA, rawLittleEndian).toByteArray();
    }

    /** In {@link #valueInfo}'s dimensions: the batch (as in TF's shapes), and one that has neither a value nor a name. */
    static final long BATCH_DIM = -1, UNKNOWN_DIM = -2;

    /** A typed value with its shape (the checker requires one on graph inputs and outputs); BATCH_DIM becomes {@code batchParam}. */
    static byte[] valueInfo(String name, int elemType, long[] dims, String batchParam) {
        Message type = new Message().int32(TENSOR_TYPE_ELEM_TYPE, elemType);
        Message shape = new Message();
        for (long d : dims) {
            Message dim = d == BATCH_DIM ? new Message().string(DIM_PARAM, batchParam)
                    : d == UNKNOWN_DIM ? new Message() : new Message().int64(DIM_VALUE, d);
            shape.bytes(SHAPE_DIM, dim.toByteArray());
        }
        type.bytes(TENSOR_TYPE_SHAPE, shape.toByteArray());
        byte[] typeProto = new Message().bytes(TYPE_TENSOR_TYPE, type.toByteArray()).toByteArray();
        return new Message().string(VALUE_NAME, name).bytes(VALUE_TYPE, typeProto).toByteArray();
    }
}
