package io.qtune.loadgen;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qtune.InvalidSetting;
import io.qtune.QtuneException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A system under test behind HTTP, spoken to in the KServe v2 / Open Inference Protocol: the model's metadata from
 * {@code GET /v2/models/NAME}, inference by {@code POST /v2/models/NAME/infer} with one FP32 input tensor
 * {@code [n, H, W, 3]}, as raw little-endian bytes after a JSON header (the protocol's binary tensor extension, as
 * Triton's perf_analyzer sends it) or as a JSON number array. A query becomes requests of at most {@code maxBatch}
 * samples, sent asynchronously; the class of each sample comes from an output named ArgMax (one value per sample;
 * asked for alone when the model lists it, so the scores do not travel) or else the arg max of a
 * {@code [n, classes]} output.
 */
public final class KServeSystemUnderTest implements SystemUnderTest {
    /** How the input tensor travels: raw bytes after a JSON header, or JSON numbers (about 10 bytes each). */
    public enum Tensors { BINARY, JSON }

    /** The binary extension's header: the length of the JSON part that precedes the tensor bytes. */
    static final String HEADER_LENGTH = io.qtune.serve.http.InferenceServer.BINARY_HEADER_LENGTH;

    /** What the server says about the model. */
    public record Metadata(String name, String input, long[] inputShape, List<String> outputs) {
        /** Height and width of the model's square NHWC input. */
        public int imageSize() {
            if (inputShape.length != 4 || inputShape[1] != inputShape[2] || inputShape[1] < 1 || inputShape[3] != 3) {
                throw new QtuneException("model '" + name + "' input '" + input + "' is not [n,S,S,3]: " + java.util.Arrays.toString(inputShape));
            }
            return Math.toIntExact(inputShape[1]);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory FACTORY = new JsonFactory();

    private final URI modelUrl;
    private final Metadata metadata;
    private final QuerySampleLibrary qsl;
    private final int maxBatch;
    private final HttpClient client;
    private final ExecutorService encoders;
    private final Tensors tensors;

    private KServeSystemUnderTest(URI modelUrl, Metadata metadata, QuerySampleLibrary qsl, int maxBatch, HttpClient client,
                                  Tensors tensors) {
        this.modelUrl = modelUrl;
        this.tensors = tensors;
        this.metadata = metadata;
        this.qsl = qsl;
        this.maxBatch = maxBatch;
        this.client = client;
        this.encoders = Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors()), r -> {
            Thread t = new Thread(r, "loadgen-http-encoder");
            t.setDaemon(true);
            return t;
        });
    }

    /** A client for {@code http://HOST:PORT/v2/models/NAME}. */
    public static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** Reads the model's metadata; a wrong URL or an unreachable server is a one-line error. */
    public static Metadata metadata(HttpClient client, URI modelUrl) {
        String path = modelUrl.getPath();
        if (modelUrl.getScheme() == null || !modelUrl.getScheme().equals("http") || path == null || !path.matches("/v2/models/[^/]+/?")) {
            throw InvalidSetting.mentioning("", "url", " " + modelUrl + ": expected http://HOST:PORT/v2/models/NAME");
        }
        HttpResponse<byte[]> r;
        try {
            r = client.send(HttpRequest.newBuilder(modelUrl).timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw InvalidSetting.mentioning("", "url", " " + modelUrl + ": cannot reach the server: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QtuneException("interrupted while reading " + modelUrl);
        }
        if (r.statusCode() != 200) throw new QtuneException("GET " + modelUrl + ": HTTP " + r.statusCode() + " " + snippet(r.body()));
        try {
            JsonNode m = JSON.readTree(r.body());
            JsonNode in = m.path("inputs");
            if (!in.isArray() || in.size() != 1) throw new QtuneException("GET " + modelUrl + ": the model must have exactly one input, metadata lists " + in.size());
            JsonNode shape = in.get(0).path("shape");
            long[] dims = new long[shape.size()];
            for (int i = 0; i < dims.length; i++) dims[i] = shape.get(i).asLong();
            List<String> outs = new ArrayList<>();
            for (JsonNode o : m.path("outputs")) outs.add(o.path("name").asText());
            return new Metadata(m.path("name").asText(), in.get(0).path("name").asText(), dims, outs);
        } catch (IOException e) {
            throw new QtuneException("GET " + modelUrl + ": metadata is not JSON: " + e.getMessage());
        }
    }

    public static KServeSystemUnderTest open(HttpClient client, URI modelUrl, Metadata metadata, QuerySampleLibrary qsl, int maxBatch,
                                             Tensors tensors) {
        if (maxBatch < 1) throw new InvalidSetting("maxBatch", "must be at least 1, got " + maxBatch);
        URI base = URI.create(modelUrl.toString().replaceAll("/+$", ""));
        return new KServeSystemUnderTest(base, metadata, qsl, maxBatch, client, tensors);
    }

    @Override
    public String name() {
        return "qtune-kserve " + modelUrl;
    }

    @Override
    public void issue(List<QuerySample> samples, Responses responses) {
        for (int from = 0; from < samples.size(); from += maxBatch) {
            List<QuerySample> part = samples.subList(from, Math.min(samples.size(), from + maxBatch));
            CompletableFuture.supplyAsync(() -> body(part), encoders)
                    .thenCompose(body -> client.sendAsync(request(body, 120), HttpResponse.BodyHandlers.ofByteArray()))
                    .whenComplete((r, error) -> {
                        if (error != null) {
                            Throwable cause = error.getCause() != null ? error.getCause() : error;
                            for (QuerySample s : part) responses.fail(s, new QtuneException("POST " + modelUrl + "/infer: " + cause));
                            return;
                        }
                        float[] classes;
                        try {
                            classes = classes(r, part.size());
                        } catch (RuntimeException e) {
                            for (QuerySample s : part) responses.fail(s, e);
                            return;
                        }
                        for (int i = 0; i < part.size(); i++) responses.complete(part.get(i), new float[] {classes[i]});
                    });
        }
    }

    @Override
    public void warmUp() {
        // one request of each size a query can form: the server's first requests are its slowest
        for (int b : new int[] {1, maxBatch}) {
            Body body = bodyOfZeros(b);
            try {
                HttpResponse<byte[]> r = client.send(request(body, 300), HttpResponse.BodyHandlers.ofByteArray());
                classes(r, b);
            } catch (IOException e) {
                throw new QtuneException("POST " + modelUrl + "/infer: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new QtuneException("interrupted while warming up " + modelUrl);
            }
        }
    }

    /** A request body; {@code headerLength} is the JSON part's length when tensor bytes follow it, else -1. */
    private record Body(byte[] bytes, int headerLength) {}

    private HttpRequest request(Body body, int timeoutSeconds) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(modelUrl + "/infer")).timeout(Duration.ofSeconds(timeoutSeconds));
        if (body.headerLength() >= 0) {
            b.header("Content-Type", "application/octet-stream").header(HEADER_LENGTH, Integer.toString(body.headerLength()));
        } else {
            b.header("Content-Type", "application/json");
        }
        return b.POST(HttpRequest.BodyPublishers.ofByteArray(body.bytes())).build();
    }

    private Body body(List<QuerySample> part) {
        List<float[]> images = new ArrayList<>(part.size());
        for (QuerySample s : part) images.add(qsl.sample(s.index()));
        return encode(images);
    }

    private Body bodyOfZeros(int n) {
        List<float[]> images = new ArrayList<>();
        for (int i = 0; i < n; i++) images.add(new float[qsl.sampleElements()]);
        return encode(images);
    }

    private Body encode(List<float[]> images) {
        int per = qsl.sampleElements();
        boolean binary = tensors == Tensors.BINARY;
        long tensorBytes = 4L * per * images.size();
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 16, binary ? tensorBytes + 512
                : (long) per * images.size() * 10 + 256));
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeArrayFieldStart("inputs");
            g.writeStartObject();
            g.writeStringField("name", metadata.input());
            g.writeArrayFieldStart("shape");
            g.writeNumber(images.size());
            for (int i = 1; i < metadata.inputShape().length; i++) g.writeNumber(metadata.inputShape()[i]);
            g.writeEndArray();
            g.writeStringField("datatype", "FP32");
            if (binary) {
                g.writeObjectFieldStart("parameters");
                g.writeNumberField("binary_data_size", tensorBytes);
                g.writeEndObject();
            } else {
                g.writeArrayFieldStart("data");
                for (float[] img : images) for (float v : img) g.writeNumber(v);
                g.writeEndArray();
            }
            g.writeEndObject();
            g.writeEndArray();
            if (metadata.outputs().contains("ArgMax")) {
                g.writeArrayFieldStart("outputs");
                g.writeStartObject();
                g.writeStringField("name", "ArgMax");
                g.writeEndObject();
                g.writeEndArray();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!binary) return new Body(out.toByteArray(), -1);
        int headerLength = out.size();
        java.nio.ByteBuffer tensor = java.nio.ByteBuffer.allocate(Math.toIntExact(tensorBytes)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        java.nio.FloatBuffer fb = tensor.asFloatBuffer();
        for (float[] img : images) fb.put(img);
        out.writeBytes(tensor.array());
        return new Body(out.toByteArray(), headerLength);
    }

    private float[] classes(HttpResponse<byte[]> r, int n) {
        if (r.statusCode() != 200) throw new QtuneException("POST " + modelUrl + "/infer: HTTP " + r.statusCode() + " " + snippet(r.body()));
        JsonNode root;
        try {
            root = JSON.readTree(r.body());
        } catch (IOException e) {
            throw new QtuneException("POST " + modelUrl + "/infer: the response is not JSON: " + e.getMessage());
        }
        JsonNode outputs = root.path("outputs");
        JsonNode chosen = null;
        boolean scores = false;
        for (JsonNode o : outputs) if (o.path("name").asText().equals("ArgMax")) chosen = o;
        if (chosen == null) {
            for (JsonNode o : outputs) {
                JsonNode shape = o.path("shape");
                if (shape.size() == 2 && shape.get(0).asLong() == n && shape.get(1).asLong() > 1) {
                    chosen = o;
                    scores = true;
                    break;
                }
            }
        }
        if (chosen == null) throw new QtuneException("POST " + modelUrl + "/infer: no ArgMax output and no [" + n + ", classes] output in the response");
        JsonNode data = chosen.path("data");
        float[] c = new float[n];
        if (scores) {
            int k = data.size() / n;
            if (k * n != data.size()) throw new QtuneException("output '" + chosen.path("name").asText() + "' holds " + data.size() + " values, not " + n + " x classes");
            for (int i = 0; i < n; i++) {
                int best = 0;
                for (int j = 1; j < k; j++) if (data.get(i * k + j).asDouble() > data.get(i * k + best).asDouble()) best = j;
                c[i] = best;
            }
        } else {
            if (data.size() != n) throw new QtuneException("output 'ArgMax' holds " + data.size() + " values for " + n + " samples");
            for (int i = 0; i < n; i++) c[i] = (float) data.get(i).asDouble();
        }
        return c;
    }

    private static String snippet(byte[] body) {
        String s = new String(body, java.nio.charset.StandardCharsets.UTF_8).strip();
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    @Override
    public void close() {
        encoders.shutdownNow();
    }
}
