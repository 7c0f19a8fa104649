package io.qtune.serve.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qtune.serve.InferenceResult;
import io.qtune.serve.TensorSpec;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The infer response: {@code model_name}, {@code model_version}, the request's {@code id}, and the outputs asked for
 * (all by default) with name, datatype, shape and row-major data. Floats are written as Java prints them, the
 * shortest decimal that reads back to the same float, so a client gets the engine's bits. Outputs asked for as
 * binary data follow the JSON header as little-endian values, with {@code Inference-Header-Content-Length} set.
 */
final class InferResponseWriter {
    /** The body and, when it carries binary data, the length of its JSON header (else -1). */
    record Response(byte[] body, int headerLength) {}

    private final ObjectMapper mapper;
    private final String modelName;
    private final String version;

    InferResponseWriter(ObjectMapper mapper, String modelName, String version) {
        this.mapper = mapper;
        this.modelName = modelName;
        this.version = version;
    }

    /** Checks the outputs a request asks for before any work is done; unknown names are a 400. */
    static List<InferRequest.Output> selected(InferRequest request, List<TensorSpec> outputs) {
        List<InferRequest.Output> chosen = new ArrayList<>();
        if (request.outputs() == null || request.outputs().isEmpty()) {
            for (TensorSpec t : outputs) chosen.add(new InferRequest.Output(t.name(), request.binaryOutputs()));
            return chosen;
        }
        for (InferRequest.Output o : request.outputs()) {
            if (outputs.stream().noneMatch(t -> t.name().equals(o.name()))) {
                throw RequestError.badRequest("no output named '" + o.name() + "' (outputs: "
                        + outputs.stream().map(TensorSpec::name).toList() + ")");
            }
            chosen.add(new InferRequest.Output(o.name(), o.binary() || request.binaryOutputs()));
        }
        return chosen;
    }

    Response write(InferRequest request, List<InferRequest.Output> chosen, InferenceResult result) {
        ObjectNode root = mapper.createObjectNode();
        root.put("model_name", modelName);
        root.put("model_version", version);
        if (request.id() != null) root.put("id", request.id());
        ArrayNode outs = root.putArray("outputs");
        ByteArrayOutputStream binary = new ByteArrayOutputStream();
        for (InferRequest.Output o : chosen) {
            InferenceResult.Tensor t = result.tensor(o.name());
            ObjectNode n = outs.addObject();
            n.put("name", t.name());
            n.put("datatype", t.isInteger() ? "INT64" : "FP32");
            ArrayNode shape = n.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            if (o.binary()) {
                byte[] bytes = littleEndian(t.data());
                n.putObject("parameters").put("binary_data_size", bytes.length);
                binary.writeBytes(bytes);
            } else {
                ArrayNode data = n.putArray("data");
                if (t.data() instanceof long[] l) for (long v : l) data.add(v);
                else for (float v : (float[]) t.data()) data.add(v);
            }
        }
        byte[] json;
        try {
            json = mapper.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write an infer response", e);
        }
        if (binary.size() == 0) return new Response(json, -1);
        byte[] body = new byte[json.length + binary.size()];
        System.arraycopy(json, 0, body, 0, json.length);
        System.arraycopy(binary.toByteArray(), 0, body, json.length, binary.size());
        return new Response(body, json.length);
    }

    private static byte[] littleEndian(Object data) {
        if (data instanceof long[] l) {
            ByteBuffer b = ByteBuffer.allocate(l.length * 8).order(ByteOrder.LITTLE_ENDIAN);
            b.asLongBuffer().put(l);
            return b.array();
        }
        float[] f = (float[]) data;
        ByteBuffer b = ByteBuffer.allocate(f.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(f);
        return b.array();
    }
}
