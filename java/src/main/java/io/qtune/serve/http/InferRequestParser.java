package io.qtune.serve.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the JSON part of an infer request with Jackson's streaming parser, so tensor data goes straight into a
 * float[] (parsed as float, as the client printed it) instead of a tree of nodes. Nested and flat {@code data}
 * arrays are both accepted (the protocol's row-major order). Every problem is a 400 naming the field.
 */
final class InferRequestParser {
    private final ObjectMapper mapper;

    InferRequestParser(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    InferRequest parse(byte[] body, int length) {
        try (JsonParser p = mapper.getFactory().createParser(body, 0, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw bad("the request body must be a JSON object");
            String id = null;
            List<InferRequest.Input> inputs = null;
            JsonNode outputs = null;
            JsonNode parameters = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "id" -> {
                        if (t != JsonToken.VALUE_STRING) throw bad("'id' must be a string");
                        id = p.getText();
                    }
                    case "inputs" -> inputs = inputs(p);
                    case "outputs" -> outputs = mapper.readTree(p);
                    case "parameters" -> parameters = mapper.readTree(p);
                    default -> p.skipChildren();
                }
            }
            if (p.nextToken() != null) throw bad("unexpected content after the request object");
            if (inputs == null || inputs.isEmpty()) throw bad("the request has no 'inputs'");
            boolean binaryOutputs = parameters != null && parameters.path("binary_data_output").asBoolean(false);
            return new InferRequest(id, inputs, outputs(outputs), binaryOutputs);
        } catch (JsonProcessingException e) {
            throw bad("malformed JSON: " + e.getOriginalMessage() + " at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr());
        } catch (IOException e) {
            throw bad("unreadable request: " + e.getMessage());
        }
    }

    private List<InferRequest.Input> inputs(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) throw bad("'inputs' must be an array");
        List<InferRequest.Input> list = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.START_OBJECT) throw bad("each entry of 'inputs' must be an object");
            list.add(input(p, list.size()));
        }
        return list;
    }

    private InferRequest.Input input(JsonParser p, int index) throws IOException {
        String name = null, datatype = null;
        long[] shape = null;
        Data data = null;
        long binarySize = -1;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "name" -> name = text(p, "inputs[" + index + "].name");
                case "datatype" -> datatype = text(p, "inputs[" + index + "].datatype");
                case "shape" -> shape = shape(mapper.readTree(p), index);
                case "parameters" -> {
                    JsonNode params = mapper.readTree(p);
                    JsonNode size = params.get("binary_data_size");
                    if (size != null) {
                        if (!size.canConvertToLong() || size.asLong() < 0) {
                            throw bad("inputs[" + index + "].parameters.binary_data_size must be a non-negative integer");
                        }
                        binarySize = size.asLong();
                    }
                }
                case "data" -> {
                    data = new Data();
                    data.read(p, "inputs[" + index + "].data", 0);
                }
                default -> p.skipChildren();
            }
        }
        String where = "input " + (name != null ? "'" + name + "'" : "#" + index);
        if (name == null) throw bad("inputs[" + index + "] has no 'name'");
        if (datatype == null) throw bad(where + " has no 'datatype'");
        if (shape == null) throw bad(where + " has no 'shape'");
        if (data == null && binarySize < 0) throw bad(where + " has neither 'data' nor parameters.binary_data_size");
        if (data != null && binarySize >= 0) throw bad(where + " has both 'data' and binary_data_size");
        if (data == null) return new InferRequest.Input(name, datatype, shape, null, 0, null, binarySize);
        if (data.strings != null && data.floatCount > 0) throw bad(where + ": 'data' mixes numbers and strings");
        return new InferRequest.Input(name, datatype, shape, data.floats, data.floatCount, data.strings, -1);
    }

    private static long[] shape(JsonNode n, int index) {
        if (!n.isArray()) throw bad("inputs[" + index + "].shape must be an array of integers");
        long[] s = new long[n.size()];
        for (int i = 0; i < s.length; i++) {
            JsonNode d = n.get(i);
            if (!d.isIntegralNumber() || d.asLong() < 0) throw bad("inputs[" + index + "].shape must hold non-negative integers, got " + n);
            s[i] = d.asLong();
        }
        return s;
    }

    private List<InferRequest.Output> outputs(JsonNode n) {
        if (n == null) return null;
        if (!n.isArray()) throw bad("'outputs' must be an array");
        List<InferRequest.Output> list = new ArrayList<>();
        for (JsonNode o : n) {
            JsonNode name = o.get("name");
            if (name == null || !name.isTextual()) throw bad("each entry of 'outputs' needs a 'name' string");
            list.add(new InferRequest.Output(name.asText(), o.path("parameters").path("binary_data").asBoolean(false)));
        }
        return list;
    }

    private static String text(JsonParser p, String field) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) throw bad("'" + field + "' must be a string");
        return p.getText();
    }

    /** The elements of a (possibly nested) data array: numbers as floats, or strings as UTF-8 bytes. */
    private static final class Data {
        float[] floats = new float[1024];
        int floatCount;
        List<byte[]> strings;

        void read(JsonParser p, String field, int depth) throws IOException {
            if (p.currentToken() != JsonToken.START_ARRAY) throw bad("'" + field + "' must be an array");
            if (depth > 8) throw bad("'" + field + "' is nested deeper than any tensor shape here");
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                switch (t) {
                    case START_ARRAY -> read(p, field, depth + 1);
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                        if (floatCount == floats.length) floats = Arrays.copyOf(floats, floats.length * 2);
                        floats[floatCount++] = p.getFloatValue();
                    }
                    case VALUE_STRING -> {
                        if (strings == null) strings = new ArrayList<>();
                        strings.add(p.getText().getBytes(StandardCharsets.UTF_8));
                    }
                    default -> throw bad("'" + field + "' holds " + t.asString() + "; expected numbers or strings");
                }
            }
        }
    }

    private static RequestError bad(String message) {
        return RequestError.badRequest(message);
    }
}
