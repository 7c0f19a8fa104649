package io.qtune.serve.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qtune.data.VggPreprocessing;
import io.qtune.engine.Model;
import io.qtune.engine.Outputs;
import io.qtune.serve.ServeFixtures;
import io.qtune.serve.ServiceConfig;
import io.qtune.zoo.ProxyModel;
import java.net.ConnectException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The HTTP front on an ephemeral loopback port, driven by java.net.http. */
class InferenceServerTest {
    static final String NAME = "proxy";
    static final String INFER = "/v2/models/" + NAME + "/infer";
    static final int SIZE = ProxyModel.IMAGE_SIZE;
    static Model model;
    static InferenceServer server;
    static V2Client client;

    @BeforeAll
    static void start() {
        model = Model.load(ServeFixtures.fp32Model());
        server = InferenceServer.start(model, new ServiceConfig(1, 1, 4, Duration.ofMillis(2), 64),
                InferenceServer.Options.loopback(NAME, 0).withMaxBodyBytes(2 << 20));
        client = new V2Client(server.baseUri(), null);
    }

    @AfterAll
    static void stop() {
        server.close();
        model.close();
    }

    @Test
    void healthAndMetadata() throws Exception {
        assertEquals(200, client.get("/v2/health/live").status());
        assertEquals(200, client.get("/v2/health/ready").status());
        assertEquals(200, client.get("/v2/models/" + NAME + "/ready").status());
        JsonNode server = client.get("/v2").json();
        assertEquals("qtune", server.get("name").asText());
        assertTrue(server.get("extensions").toString().contains("binary_tensor_data"));
        assertTrue(server.at("/qtune/machine/onednn_isa").isTextual(), server.toString());
        assertEquals(1, server.at("/qtune/instances").asInt());
        JsonNode meta = client.get("/v2/models/" + NAME).json();
        assertEquals(NAME, meta.get("name").asText());
        assertEquals("[\"1\"]", meta.get("versions").toString());
        JsonNode in = meta.get("inputs").get(0);
        assertEquals(model.inputName(), in.get("name").asText());
        assertEquals("FP32", in.get("datatype").asText());
        assertEquals("[-1,48,48,3]", in.get("shape").toString());
        assertEquals("{\"name\":\"softmax_tensor\",\"datatype\":\"FP32\",\"shape\":[-1,11]}", meta.get("outputs").get(0).toString());
        assertEquals("{\"name\":\"ArgMax\",\"datatype\":\"INT64\",\"shape\":[-1]}", meta.get("outputs").get(1).toString());
        assertEquals(200, client.get("/v2/models/" + NAME + "/versions/1").status());
    }

    @Test
    void fp32TensorsComeBackBitForBitAsModelRunAlone() throws Exception {
        int n = 3;
        float[] data = new float[n * ServeFixtures.IMAGE_FLOATS];
        for (int i = 0; i < n; i++) System.arraycopy(ServeFixtures.image(40 + i), 0, data, i * ServeFixtures.IMAGE_FLOATS, ServeFixtures.IMAGE_FLOATS);
        for (boolean nested : new boolean[] {false, true}) {
            V2Client.Reply r = client.post(INFER, V2Client.tensorBody(model.inputName(), data, n, SIZE, nested));
            assertEquals(200, r.status(), r.text());
            JsonNode resp = r.json();
            assertEquals(NAME, resp.get("model_name").asText());
            assertEquals("req-3", resp.get("id").asText());
            JsonNode soft = V2Client.output(resp, "softmax_tensor");
            assertEquals("[3,11]", soft.get("shape").toString());
            assertEquals("FP32", soft.get("datatype").asText());
            float[] got = V2Client.floats(soft);
            JsonNode arg = V2Client.output(resp, "ArgMax");
            assertEquals("INT64", arg.get("datatype").asText());
            for (int i = 0; i < n; i++) {
                Outputs alone = ServeFixtures.runAlone(model, ServeFixtures.image(40 + i), 1);
                assertTrue(ServeFixtures.sameBits(alone.floats("softmax_tensor"), Arrays.copyOfRange(got, i * 11, (i + 1) * 11)),
                        "image " + i + (nested ? " (nested data)" : ""));
                assertEquals(alone.longs("ArgMax")[0], arg.get("data").get(i).asLong());
            }
        }
    }

    @Test
    void jpegsAsBase64AndAsBinaryDataComeBackAsPreprocessedImagesAlone() throws Exception {
        List<byte[]> jpegs = List.of(ServeFixtures.jpeg(80, 64, 1), ServeFixtures.jpeg(64, 100, 2));
        VggPreprocessing vgg = new VggPreprocessing(SIZE, VggPreprocessing.MLPERF_SCALE_PERCENT);
        float[][] expected = new float[2][];
        long[] expectedClass = new long[2];
        for (int i = 0; i < 2; i++) {
            float[] img = new float[ServeFixtures.IMAGE_FLOATS];
            VggPreprocessing.subtractMeans(vgg.rgbCrop(jpegs.get(i), "test jpeg " + i), img, 0);
            Outputs alone = ServeFixtures.runAlone(model, img, 1);
            expected[i] = alone.floats("softmax_tensor");
            expectedClass[i] = alone.longs("ArgMax")[0];
        }
        V2Client.Reply b64 = client.post(INFER, V2Client.base64Body(model.inputName(), jpegs));
        assertEquals(200, b64.status(), b64.text());
        float[] got = V2Client.floats(V2Client.output(b64.json(), "softmax_tensor"));
        for (int i = 0; i < 2; i++) assertTrue(ServeFixtures.sameBits(expected[i], Arrays.copyOfRange(got, i * 11, (i + 1) * 11)), "base64 image " + i);

        // Triton's client: binary inputs, and binary outputs asked for with binary_data_output
        Object[] body = V2Client.binaryBody(model.inputName(), "BYTES", new long[] {2}, V2Client.lengthPrefixed(jpegs), true);
        V2Client.Reply bin = client.post(INFER, (byte[]) body[0], ModelEndpoint.HEADER_LENGTH, Integer.toString((int) body[1]));
        assertEquals(200, bin.status(), bin.text());
        int header = Integer.parseInt(bin.headers().firstValue(ModelEndpoint.HEADER_LENGTH).orElseThrow());
        JsonNode json = V2Client.MAPPER.readTree(Arrays.copyOf(bin.body(), header));
        JsonNode soft = V2Client.output(json, "softmax_tensor");
        assertEquals(2 * 11 * 4, soft.at("/parameters/binary_data_size").asInt());
        ByteBuffer data = ByteBuffer.wrap(bin.body(), header, bin.body().length - header).order(ByteOrder.LITTLE_ENDIAN);
        float[] softmax = new float[22];
        data.asFloatBuffer().get(softmax);
        data.position(data.position() + 22 * 4);
        for (int i = 0; i < 2; i++) {
            assertTrue(ServeFixtures.sameBits(expected[i], Arrays.copyOfRange(softmax, i * 11, (i + 1) * 11)), "binary image " + i);
            assertEquals(expectedClass[i], data.getLong(), "ArgMax of binary image " + i);
        }

        // FP32 through the binary extension too, asking for one output as JSON
        float[] img = ServeFixtures.image(77);
        Object[] fp = V2Client.binaryBody(model.inputName(), "FP32", new long[] {1, SIZE, SIZE, 3}, V2Client.littleEndian(img), false);
        V2Client.Reply r = client.post(INFER, (byte[]) fp[0], ModelEndpoint.HEADER_LENGTH, Integer.toString((int) fp[1]));
        assertEquals(200, r.status(), r.text());
        assertTrue(ServeFixtures.sameBits(ServeFixtures.runAlone(model, img, 1).floats("softmax_tensor"),
                V2Client.floats(V2Client.output(r.json(), "softmax_tensor"))));
    }

    @Test
    void badRequestsGetOneLineJsonErrorsWithTheirStatus() throws Exception {
        String in = model.inputName();
        float[] one = ServeFixtures.image(5);
        String good = new String(V2Client.tensorBody(in, one, 1, SIZE, false), StandardCharsets.UTF_8);
        record Case(String what, int status, String fragment, java.net.http.HttpRequest request) {}
        List<Case> cases = new ArrayList<>();
        cases.add(new Case("malformed JSON", 400, "malformed JSON", client.postRequest(INFER, "{\"inputs\": [".getBytes())));
        cases.add(new Case("not an object", 400, "JSON object", client.postRequest(INFER, "[1,2]".getBytes())));
        cases.add(new Case("wrong shape", 400, "shape [1, 32, 32, 3]", client.postRequest(INFER,
                V2Client.tensorBody(in, new float[32 * 32 * 3], 1, 32, false))));
        cases.add(new Case("wrong datatype", 400, "datatype INT32", client.postRequest(INFER, good.replace("\"FP32\"", "\"INT32\"").getBytes())));
        cases.add(new Case("short data", 400, "needs 6912 numbers, got 6911", client.postRequest(INFER,
                good.replaceFirst("\"data\":\\[[^,]+,", "\"data\":[").getBytes())));
        cases.add(new Case("wrong input name", 400, "no input named 'pixels'", client.postRequest(INFER,
                good.replace("\"" + in + "\"", "\"pixels\"").getBytes())));
        cases.add(new Case("strings in FP32", 400, "strings", client.postRequest(INFER,
                good.replaceFirst("\"data\":\\[[^,]+,", "\"data\":[\"x\",").getBytes())));
        cases.add(new Case("undecodable JPEG", 400, "element 1: cannot be decoded", client.postRequest(INFER,
                V2Client.base64Body(in, List.of(ServeFixtures.jpeg(60, 60, 3), "not a jpeg at all".getBytes())))));
        cases.add(new Case("not base64", 400, "not base64", client.postRequest(INFER,
                ("{\"inputs\":[{\"name\":\"" + in + "\",\"datatype\":\"BYTES\",\"shape\":[1],\"data\":[\"%%%\"]}]}").getBytes())));
        cases.add(new Case("more images than the max batch", 400, "max batch", client.postRequest(INFER,
                V2Client.tensorBody(in, new float[5 * ServeFixtures.IMAGE_FLOATS], 5, SIZE, false))));
        cases.add(new Case("unknown output", 400, "no output named 'logits'", client.postRequest(INFER,
                good.replaceFirst("\\{", "{\"outputs\":[{\"name\":\"logits\"}],").getBytes())));
        cases.add(new Case("header length past the body", 400, "does not fit", client.postRequest(INFER, good.getBytes(),
                ModelEndpoint.HEADER_LENGTH, "999999")));
        cases.add(new Case("binary size mismatch", 400, "binary", client.postRequest(INFER,
                (byte[]) V2Client.binaryBody(in, "FP32", new long[] {1, SIZE, SIZE, 3}, new byte[100], false)[0],
                ModelEndpoint.HEADER_LENGTH, Integer.toString((int) V2Client.binaryBody(in, "FP32", new long[] {1, SIZE, SIZE, 3}, new byte[100], false)[1]))));
        cases.add(new Case("unknown model", 404, "unknown model 'resnet'", client.postRequest("/v2/models/resnet/infer", good.getBytes())));
        cases.add(new Case("unknown version", 404, "no version '7'", client.postRequest("/v2/models/" + NAME + "/versions/7/infer", good.getBytes())));
        cases.add(new Case("unknown path", 404, "no endpoint /v3", client.request("/v3").GET().build()));
        cases.add(new Case("body over the limit", 413, "over the limit", client.postRequest(INFER, new byte[3 << 20])));
        cases.add(new Case("GET on infer", 405, "method GET not allowed", client.request(INFER).GET().build()));
        cases.add(new Case("POST on health", 405, "method POST not allowed", client.postRequest("/v2/health/live", new byte[0])));
        cases.add(new Case("DELETE on metadata", 405, "not allowed", client.request("/v2/models/" + NAME).DELETE().build()));
        for (Case c : cases) {
            V2Client.Reply r;
            try {
                r = client.send(c.request());
            } catch (java.io.IOException e) {
                throw new AssertionError(c.what() + ": " + e, e);
            }
            assertEquals(c.status(), r.status(), c.what() + ": " + r.text());
            String body = r.text();
            assertFalse(body.strip().contains("\n"), c.what() + ": more than one line: " + body);
            JsonNode err = r.json();
            assertTrue(err.get("error").asText().contains(c.fragment()), c.what() + ": " + body);
            if (c.status() == 405) assertTrue(r.headers().firstValue("Allow").isPresent(), c.what() + " without Allow");
        }
        // none of it wedged anything: a good request still gets the right answer
        V2Client.Reply ok = client.post(INFER, good.getBytes());
        assertEquals(200, ok.status());
        assertTrue(ServeFixtures.sameBits(ServeFixtures.runAlone(model, one, 1).floats("softmax_tensor"),
                V2Client.floats(V2Client.output(ok.json(), "softmax_tensor"))));
        String metrics = client.get("/metrics").text();
        assertTrue(metrics.contains("qtune_requests_total{outcome=\"bad_request\"}"), metrics);
        assertTrue(metrics.contains("qtune_requests_total{outcome=\"too_large\"}"), metrics);
    }

    @Test
    void metricsAreThePrometheusTextFormat() throws Exception {
        assertEquals(200, client.post(INFER, V2Client.tensorBody(model.inputName(), ServeFixtures.image(9), 1, SIZE, false)).status());
        // the responder counts an answer once it is sent, so the client may ask before the count (the first "ok") exists
        V2Client.Reply r = client.get("/metrics");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!r.text().contains("qtune_requests_total{outcome=\"ok\"}") && System.nanoTime() < deadline) {
            Thread.sleep(10);
            r = client.get("/metrics");
        }
        assertEquals(200, r.status());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        String m = r.text();
        for (String series : List.of("qtune_requests_total{outcome=\"ok\"}", "qtune_request_latency_seconds_bucket{le=",
                "qtune_queue_wait_seconds_bucket{le=", "qtune_batch_size_bucket{le=\"1.0\"}", "qtune_queue_depth_images ",
                "qtune_rejections_total{reason=\"queue_full\"}", "qtune_images_total ", "qtune_images_per_second ",
                "jvm_threads_live_threads ")) {
            assertTrue(m.contains(series), "no " + series + " in\n" + m);
        }
        assertFalse(m.contains("qtune_queue_depth_images NaN"), "the queue gauge lost its source");
    }

    /** Max batch 2, a queue of 2 images and a 10 s delay: one waiting image holds a slot, so 2 more get 503 at once. */
    @Test
    void aFullQueueAnswers503AtOnce() throws Exception {
        try (Model m = Model.load(ServeFixtures.fp32Model());
             InferenceServer s = InferenceServer.start(m, new ServiceConfig(1, 1, 2, Duration.ofSeconds(10), 2),
                     InferenceServer.Options.loopback(NAME, 0))) {
            V2Client c = new V2Client(s.baseUri(), null);
            CompletableFuture<V2Client.Reply> waiting = c.sendAsync(c.postRequest(INFER, V2Client.tensorBody(m.inputName(), ServeFixtures.image(1), 1, SIZE, false)));
            ServeFixtures.waitFor(Duration.ofSeconds(30), () -> s.service().queuedImages() >= 1);
            assertEquals(1, s.service().queuedImages());
            long t0 = System.nanoTime();
            V2Client.Reply full = c.post(INFER, V2Client.tensorBody(m.inputName(), new float[2 * ServeFixtures.IMAGE_FLOATS], 2, SIZE, false));
            double ms = (System.nanoTime() - t0) / 1e6;
            assertEquals(503, full.status(), full.text());
            assertTrue(full.json().get("error").asText().contains("queue is full"));
            assertTrue(ms < 5000, "503 took " + ms + " ms");
            assertEquals(200, c.post(INFER, V2Client.tensorBody(m.inputName(), ServeFixtures.image(2), 1, SIZE, false)).status());
            assertEquals(200, waiting.get(60, TimeUnit.SECONDS).status());
        }
    }

    /** Close while requests wait for a 30 s batch delay: every one is answered 200, then the port is closed. */
    @Test
    void closeDrainsAcceptedRequests() throws Exception {
        try (Model m = Model.load(ServeFixtures.fp32Model())) {
            InferenceServer s = InferenceServer.start(m, new ServiceConfig(1, 1, 8, Duration.ofSeconds(30), 64),
                    InferenceServer.Options.loopback(NAME, 0));
            V2Client c = new V2Client(s.baseUri(), null);
            List<CompletableFuture<V2Client.Reply>> replies = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                replies.add(c.sendAsync(c.postRequest(INFER, V2Client.tensorBody(m.inputName(), ServeFixtures.image(i), 1, SIZE, false))));
            }
            ServeFixtures.waitFor(Duration.ofSeconds(30), () -> s.service().queuedImages() >= 4);
            assertEquals(4, s.service().queuedImages());
            s.close();
            assertFalse(s.isReady());
            for (CompletableFuture<V2Client.Reply> r : replies) assertEquals(200, r.get(60, TimeUnit.SECONDS).status());
            assertThrows(ConnectException.class, () -> {
                try {
                    c.get("/v2/health/live");
                } catch (java.io.IOException e) {
                    throw e instanceof ConnectException ? e : new ConnectException(e.toString());
                }
            });
        }
    }
}
