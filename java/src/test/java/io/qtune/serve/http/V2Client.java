package io.qtune.serve.http;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/** A test client of the KServe v2 protocol over java.net.http, building request bodies the way clients do. */
final class V2Client {
    static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    final HttpClient http;
    final URI base;

    V2Client(URI base, Executor executor) {
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        if (executor != null) b.executor(executor);
        this.http = b.build();
        this.base = base;
    }

    record Reply(int status, byte[] body, java.net.http.HttpHeaders headers) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        JsonNode json() {
            try {
                return MAPPER.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + text(), e);
            }
        }
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60));
    }

    Reply get(String path) throws IOException, InterruptedException {
        return send(request(path).GET().build());
    }

    Reply post(String path, byte[] body, String... headers) throws IOException, InterruptedException {
        return send(postRequest(path, body, headers));
    }

    HttpRequest postRequest(String path, byte[] body, String... headers) {
        HttpRequest.Builder b = request(path).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return b.build();
    }

    Reply send(HttpRequest r) throws IOException, InterruptedException {
        HttpResponse<byte[]> resp = http.send(r, HttpResponse.BodyHandlers.ofByteArray());
        return new Reply(resp.statusCode(), resp.body(), resp.headers());
    }

    CompletableFuture<Reply> sendAsync(HttpRequest r) {
        return http.sendAsync(r, HttpResponse.BodyHandlers.ofByteArray())
                .thenApply(resp -> new Reply(resp.statusCode(), resp.body(), resp.headers()));
    }

    /** An FP32 request body: {"inputs": [{"name", "datatype": "FP32", "shape": [n, 48, 48, 3], "data": [...]}]}. */
    static byte[] tensorBody(String input, float[] data, int n, int size, boolean nested) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("id", "req-" + n);
        ObjectNode in = root.putArray("inputs").addObject();
        in.put("name", input);
        in.put("datatype", "FP32");
        in.putArray("shape").add(n).add(size).add(size).add(3);
        ArrayNode d = in.putArray("data");
        if (nested) {
            int k = 0;
            for (int i = 0; i < n; i++) {
                ArrayNode img = d.addArray();
                for (int y = 0; y < size; y++) {
                    ArrayNode row = img.addArray();
                    for (int x = 0; x < size; x++) {
                        ArrayNode px = row.addArray();
                        for (int c = 0; c < 3; c++) px.add(data[k++]);
                    }
                }
            }
        } else {
            for (float v : data) d.add(v);
        }
        return bytes(root);
    }

    /** A BYTES request with base64 strings in the JSON. */
    static byte[] base64Body(String input, List<byte[]> files) {
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode in = root.putArray("inputs").addObject();
        in.put("name", input);
        in.put("datatype", "BYTES");
        in.putArray("shape").add(files.size());
        ArrayNode d = in.putArray("data");
        for (byte[] f : files) d.add(Base64.getEncoder().encodeToString(f));
        return bytes(root);
    }

    /** A body with the binary-data extension: JSON header, then the tensors; returns {body, header length}. */
    static Object[] binaryBody(String input, String datatype, long[] shape, byte[] binary, boolean binaryOutputs) {
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode in = root.putArray("inputs").addObject();
        in.put("name", input);
        in.put("datatype", datatype);
        ArrayNode s = in.putArray("shape");
        for (long d : shape) s.add(d);
        in.putObject("parameters").put("binary_data_size", binary.length);
        if (binaryOutputs) root.putObject("parameters").put("binary_data_output", true);
        byte[] header = bytes(root);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header);
        out.writeBytes(binary);
        return new Object[] {out.toByteArray(), header.length};
    }

    /** Triton's BYTES serialization: each element as a little-endian uint32 length and its bytes. */
    static byte[] lengthPrefixed(List<byte[]> files) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] f : files) {
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(f.length).array());
            out.writeBytes(f);
        }
        return out.toByteArray();
    }

    static byte[] littleEndian(float[] f) {
        ByteBuffer b = ByteBuffer.allocate(f.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(f);
        return b.array();
    }

    /** An output's data as floats, read exactly (the decimal text parsed straight to float). */
    static float[] floats(JsonNode output) {
        JsonNode d = output.get("data");
        float[] f = new float[d.size()];
        for (int i = 0; i < f.length; i++) f[i] = Float.parseFloat(d.get(i).asText());
        return f;
    }

    static JsonNode output(JsonNode response, String name) {
        for (JsonNode o : response.get("outputs")) if (o.get("name").asText().equals(name)) return o;
        throw new AssertionError("no output " + name + " in " + response);
    }

    static byte[] bytes(Object tree) {
        try {
            return MAPPER.writeValueAsBytes(tree);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
