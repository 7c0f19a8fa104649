package io.qtune.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.qtune.QtuneException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP system under test against a tiny KServe v2 endpoint on 127.0.0.1 (port 0): model "toy" answers an
 * ArgMax output, "toyscores" a [n, 7] scores output, "broken" HTTP 500. The toy's class of an image is its first
 * value mod 7, and the test's library puts the sample index there, so every answer can be checked.
 */
class KServeSystemUnderTestTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private HttpServer server;
    private ExecutorService pool;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        pool = Executors.newFixedThreadPool(4);
        server.setExecutor(pool);
        for (String name : List.of("toy", "toyscores", "broken")) {
            server.createContext("/v2/models/" + name, ex -> reply(ex, 200, "{\"name\":\"" + name + "\",\"versions\":[\"1\"],"
                    + "\"platform\":\"test\",\"inputs\":[{\"name\":\"input_tensor\",\"datatype\":\"FP32\",\"shape\":[-1,2,2,3]}],"
                    + "\"outputs\":[{\"name\":\"ArgMax\",\"datatype\":\"INT64\",\"shape\":[-1]}]}"));
            server.createContext("/v2/models/" + name + "/infer", ex -> infer(ex, name));
        }
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        pool.shutdownNow();
    }

    private static void infer(HttpExchange ex, String model) throws IOException {
        if (model.equals("broken")) {
            reply(ex, 500, "{\"error\":\"out of memory\"}");
            return;
        }
        byte[] body = ex.getRequestBody().readAllBytes();
        String headerLength = ex.getRequestHeaders().getFirst("Inference-Header-Content-Length");
        int h = headerLength == null ? body.length : Integer.parseInt(headerLength);
        JsonNode in = JSON.readTree(java.util.Arrays.copyOf(body, h)).path("inputs").get(0);
        int n = in.path("shape").get(0).asInt();
        float[] data;
        if (headerLength != null) { // the binary tensor extension: little-endian floats after the JSON header
            data = new float[(body.length - h) / 4];
            java.nio.ByteBuffer.wrap(body, h, body.length - h).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
            if (in.path("parameters").path("binary_data_size").asInt() != body.length - h) data = new float[0];
        } else {
            data = new float[in.path("data").size()];
            for (int i = 0; i < data.length; i++) data[i] = (float) in.path("data").get(i).asDouble();
        }
        if (!in.path("datatype").asText().equals("FP32") || data.length != n * 12 || in.path("shape").get(1).asInt() != 2) {
            reply(ex, 400, "{\"error\":\"bad tensor\"}");
            return;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int cls = (int) data[i * 12] % 7;
            if (model.equals("toy")) {
                out.append(i > 0 ? "," : "").append(cls);
            } else {
                for (int j = 0; j < 7; j++) out.append(i + j > 0 ? "," : "").append(j == cls ? "0.9" : "0.01");
            }
        }
        String answer = model.equals("toy")
                ? "{\"model_name\":\"toy\",\"outputs\":[{\"name\":\"ArgMax\",\"datatype\":\"INT64\",\"shape\":[" + n + "],\"data\":[" + out + "]}]}"
                : "{\"model_name\":\"toyscores\",\"outputs\":[{\"name\":\"probs\",\"datatype\":\"FP32\",\"shape\":[" + n + ",7],\"data\":[" + out + "]}]}";
        reply(ex, 200, answer);
    }

    private static void reply(HttpExchange ex, int code, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(code, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    /** 40 samples of 2x2x3, the first value of sample i being i. */
    private static final class IndexLibrary implements QuerySampleLibrary {
        public int totalCount() { return 40; }
        public void load(int[] indices) {}
        public float[] sample(int index) {
            float[] f = new float[12];
            f[0] = index;
            return f;
        }
        public int sampleElements() { return 12; }
        public void unload() {}
    }

    private KServeSystemUnderTest open(String model, int maxBatch) {
        return open(model, maxBatch, KServeSystemUnderTest.Tensors.BINARY);
    }

    private KServeSystemUnderTest open(String model, int maxBatch, KServeSystemUnderTest.Tensors form) {
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v2/models/" + model);
        var client = KServeSystemUnderTest.client();
        KServeSystemUnderTest.Metadata meta = KServeSystemUnderTest.metadata(client, url);
        assertEquals("input_tensor", meta.input());
        assertEquals(2, meta.imageSize());
        return KServeSystemUnderTest.open(client, url, meta, new IndexLibrary(), maxBatch, form);
    }

    @Test
    void accuracyModeOverHttpAnswersEverySampleRight() {
        for (KServeSystemUnderTest.Tensors form : KServeSystemUnderTest.Tensors.values()) {
            for (String model : List.of("toy", "toyscores")) {
                accuracyOverHttp(model, form);
            }
        }
    }

    private void accuracyOverHttp(String model, KServeSystemUnderTest.Tensors form) {
        for (Scenario sc : List.of(Scenario.OFFLINE, Scenario.MULTI_STREAM)) {
            TestSettings s = new TestSettings(sc, TestSettings.Mode.ACCURACY, 0, 15_000_000L, 0, 1, 16, 3);
            LoadGen.AccuracyRun run;
            try (KServeSystemUnderTest sut = open(model, 4, form)) {
                run = new LoadGen().accuracy(s, sut, new IndexLibrary());
            }
            assertEquals(40, run.entries().size());
            for (int i = 0; i < 40; i++) {
                AccuracyLog.Entry e = run.entries().get(i);
                assertEquals(i, e.seqId());
                assertEquals(i, e.qslIdx(), "chunks of 16 in order");
                assertEquals(i % 7, e.firstFloat(), model + " " + form + " " + sc + " sample " + i);
            }
        }
    }

    @Test
    void performanceRunsOverHttp() {
        TestSettings ss = new TestSettings(Scenario.SINGLE_STREAM, TestSettings.Mode.PERFORMANCE, 0, 15_000_000L, 0, 70, 16, 3);
        TestSettings server = new TestSettings(Scenario.SERVER, TestSettings.Mode.PERFORMANCE, 200, 1_000_000_000L, 0, 100, 16, 3);
        try (KServeSystemUnderTest sut = open("toy", 4)) {
            Summary a = new LoadGen().performance(ss, sut, new IndexLibrary());
            assertEquals(70, a.record().queries());
            assertTrue(a.text().contains("Scenario : SingleStream"), a.text());
            Summary b = new LoadGen().performance(server, sut, new IndexLibrary());
            assertEquals(100, b.record().queries());
            assertTrue(b.sampleLatencies().min() > 0);
        }
    }

    @Test
    void serverErrorsAndBadUrlsAreOneLineErrors() {
        TestSettings s = new TestSettings(Scenario.OFFLINE, TestSettings.Mode.ACCURACY, 0, 15_000_000L, 0, 1, 16, 3);
        QtuneException e = assertThrows(QtuneException.class, () -> {
            try (KServeSystemUnderTest sut = open("broken", 4)) {
                new LoadGen().accuracy(s, sut, new IndexLibrary());
            }
        });
        assertTrue(e.getMessage().contains("HTTP 500") && e.getMessage().contains("out of memory"), e.getMessage());
        var client = KServeSystemUnderTest.client();
        e = assertThrows(QtuneException.class, () -> KServeSystemUnderTest.metadata(client, URI.create("http://127.0.0.1:1/v2/models/x")));
        assertTrue(e.getMessage().contains("cannot reach"), e.getMessage());
        e = assertThrows(QtuneException.class, () -> KServeSystemUnderTest.metadata(client, URI.create("http://127.0.0.1:1/models/x")));
        assertTrue(e.getMessage().contains("expected http://HOST:PORT/v2/models/NAME"), e.getMessage());
    }
}
