package io.qtune.serve.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qtune.data.VggPreprocessing;
import io.qtune.engine.Model;
import io.qtune.serve.ServeFixtures;
import io.qtune.serve.ServiceConfig;
import io.qtune.zoo.ProxyModel;
import java.lang.management.ManagementFactory;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * 8 client threads x 300 requests, good and bad mixed, against 2 instances x 1 thread: every good answer is the
 * expected bits, every bad one its 4xx, the server is healthy afterwards, and neither threads nor native memory grow
 * past the bounds below between a warm-up round and the end.
 */
class ServerSoakTest {
    static final int CLIENTS = 8;
    static final int REQUESTS = 300;
    static final int WARM_UP = 150;
    static final String NAME = "proxy";
    static final String INFER = "/v2/models/" + NAME + "/infer";
    static final int SIZE = ProxyModel.IMAGE_SIZE;
    static final int CLASSES = 11;

    /**
     * Threads: every pool of ours (4 HTTP, 2 responder, the instances and their OpenMP teams, the client's 8) is fixed
     * and started in the warm-up; HotSpot may still add a few compiler and GC worker threads under load
     * (UseDynamicNumberOfCompilerThreads / GCThreads). A thread per request would add hundreds.
     */
    static final int THREAD_GROWTH_BOUND = 8;
    /**
     * Native memory (resident set minus committed Java heap and non-heap (code cache, metaspace), after a GC): 48 MB.
     * The measured phase sends 2,400 requests, about 700 JPEGs of 320x240 among them (a 230 KB decoded BGR Mat each):
     * leaking the decoded image of each JPEG would add about 160 MB, and any native leak of more than 20 KB per
     * request more than 48 MB. Allocator arenas and JIT code settle during the warm-up of 150 requests per client
     * (measured here: after only 25 per client the next 300 still added about 45 MB, the rounds after that 0-15 MB
     * each, up and down: malloc arenas of the 16 request threads reaching their high-water marks).
     */
    static final long NATIVE_GROWTH_BOUND = 48L << 20;

    record Expectation(int status, float[] softmax) {}

    @Test
    void mixedLoadKeepsEveryAnswerRightAndNothingGrows() throws Exception {
        try (Model model = Model.load(ServeFixtures.fp32Model())) {
            String in = model.inputName();
            float[][] images = new float[12][];
            float[][] expected = new float[12][];
            for (int i = 0; i < images.length; i++) {
                images[i] = ServeFixtures.image(500 + i);
                expected[i] = ServeFixtures.runAlone(model, images[i], 1).floats("softmax_tensor");
            }
            VggPreprocessing vgg = new VggPreprocessing(SIZE, VggPreprocessing.MLPERF_SCALE_PERCENT);
            byte[][] jpegs = new byte[6][];
            float[][] jpegExpected = new float[6][];
            for (int i = 0; i < jpegs.length; i++) {
                jpegs[i] = ServeFixtures.jpeg(320, 240, 900 + i);
                float[] img = new float[ServeFixtures.IMAGE_FLOATS];
                VggPreprocessing.subtractMeans(vgg.rgbCrop(jpegs[i], "jpeg " + i), img, 0);
                jpegExpected[i] = ServeFixtures.runAlone(model, img, 1).floats("softmax_tensor");
            }
            ExecutorService clientPool = Executors.newFixedThreadPool(CLIENTS);
            ExecutorService httpPool = Executors.newFixedThreadPool(CLIENTS);
            try (InferenceServer server = InferenceServer.start(model, new ServiceConfig(2, 1, 4, Duration.ofMillis(2), 256),
                    InferenceServer.Options.loopback(NAME, 0).withMaxBodyBytes(1 << 20))) {
                V2Client client = new V2Client(server.baseUri(), httpPool);
                Load load = new Load(client, in, images, expected, jpegs, jpegExpected);
                load.run(clientPool, WARM_UP);
                long[] before = measure();
                long t0 = System.nanoTime();
                int[] counts = load.run(clientPool, REQUESTS);
                double seconds = (System.nanoTime() - t0) / 1e9;
                long[] after = measure();
                System.out.printf("soak: %d requests in %.1f s (%d good, %d bad); threads %d -> %d; native %.1f -> %.1f MB "
                                + "(RSS %.1f -> %.1f MB, heap committed %.1f -> %.1f MB, non-heap committed %.1f -> %.1f MB)%n", CLIENTS * REQUESTS, seconds, counts[0],
                        counts[1], before[0], after[0], before[1] / 1e6, after[1] / 1e6, before[2] / 1e6, after[2] / 1e6,
                        before[3] / 1e6, after[3] / 1e6, before[4] / 1e6, after[4] / 1e6);
                assertEquals(CLIENTS * REQUESTS, counts[0] + counts[1]);
                assertTrue(after[0] - before[0] <= THREAD_GROWTH_BOUND, "threads grew from " + before[0] + " to " + after[0]);
                assertTrue(after[1] - before[1] <= NATIVE_GROWTH_BOUND, "native memory grew by " + (after[1] - before[1]) / 1e6 + " MB");
                // healthy afterwards: ready, and a good request still right
                assertEquals(200, client.get("/v2/health/ready").status());
                V2Client.Reply r = client.post(INFER, V2Client.tensorBody(in, images[0], 1, SIZE, false));
                assertEquals(200, r.status());
                assertTrue(ServeFixtures.sameBits(expected[0], V2Client.floats(V2Client.output(r.json(), "softmax_tensor"))));
                String metrics = client.get("/metrics").text();
                assertTrue(metrics.contains("qtune_rejections_total{reason=\"queue_full\"} 0.0"), "nothing was to be rejected");
            } finally {
                clientPool.shutdownNow();
                httpPool.shutdownNow();
            }
        }
    }

    /** {threads, native bytes, RSS, committed heap}, after a GC so that freed native buffers are gone. */
    private static long[] measure() throws Exception {
        System.gc();
        Thread.sleep(200);
        long rss = 0;
        int threads = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) rss = Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            if (line.startsWith("Threads:")) threads = Integer.parseInt(line.substring(8).trim());
        }
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
        long nonHeap = ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage().getCommitted();
        return new long[] {threads, rss - heap - nonHeap, rss, heap, nonHeap};
    }

    /** The request mix: kinds 0-3 are good (FP32 JSON, FP32 binary, JPEG base64, JPEG binary), 4-9 bad. */
    private record Load(V2Client client, String in, float[][] images, float[][] expected, byte[][] jpegs, float[][] jpegExpected) {
        int[] run(ExecutorService pool, int perClient) throws Exception {
            AtomicInteger good = new AtomicInteger(), bad = new AtomicInteger();
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                long seed = c * 7919L + perClient;
                clients.add(pool.submit(() -> {
                    Random rnd = new Random(seed);
                    for (int k = 0; k < perClient; k++) {
                        int kind = rnd.nextInt(10);
                        if (request(kind, rnd)) good.incrementAndGet();
                        else bad.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : clients) f.get(10, TimeUnit.MINUTES);
            return new int[] {good.get(), bad.get()};
        }

        /** Sends one request and checks its answer; returns whether it was a good request. */
        boolean request(int kind, Random rnd) throws Exception {
            int n = 1 + rnd.nextInt(kind < 2 ? 3 : 2);
            int[] which = new int[n];
            HttpRequest req;
            int status = 200;
            float[][] want = new float[n][];
            switch (kind) {
                case 0, 1 -> {
                    float[] data = new float[n * ServeFixtures.IMAGE_FLOATS];
                    for (int j = 0; j < n; j++) {
                        which[j] = rnd.nextInt(images.length);
                        want[j] = expected[which[j]];
                        System.arraycopy(images[which[j]], 0, data, j * ServeFixtures.IMAGE_FLOATS, ServeFixtures.IMAGE_FLOATS);
                    }
                    if (kind == 0) {
                        req = client.postRequest(INFER, V2Client.tensorBody(in, data, n, SIZE, false));
                    } else {
                        Object[] b = V2Client.binaryBody(in, "FP32", new long[] {n, SIZE, SIZE, 3}, V2Client.littleEndian(data), false);
                        req = client.postRequest(INFER, (byte[]) b[0], ModelEndpoint.HEADER_LENGTH, Integer.toString((int) b[1]));
                    }
                }
                case 2, 3 -> {
                    List<byte[]> files = new ArrayList<>();
                    for (int j = 0; j < n; j++) {
                        which[j] = rnd.nextInt(jpegs.length);
                        want[j] = jpegExpected[which[j]];
                        files.add(jpegs[which[j]]);
                    }
                    if (kind == 2) {
                        req = client.postRequest(INFER, V2Client.base64Body(in, files));
                    } else {
                        Object[] b = V2Client.binaryBody(in, "BYTES", new long[] {n}, V2Client.lengthPrefixed(files), false);
                        req = client.postRequest(INFER, (byte[]) b[0], ModelEndpoint.HEADER_LENGTH, Integer.toString((int) b[1]));
                    }
                }
                case 4 -> {
                    req = client.postRequest(INFER, "{\"inputs\": [{\"name\": ".getBytes());
                    status = 400;
                }
                case 5 -> {
                    req = client.postRequest(INFER, V2Client.tensorBody(in, new float[24 * 24 * 3], 1, 24, false));
                    status = 400;
                }
                case 6 -> {
                    req = client.postRequest(INFER, V2Client.base64Body(in, List.of(Arrays.copyOf(jpegs[0], 200))));
                    status = 400;
                }
                case 7 -> {
                    req = client.postRequest("/v2/models/nope/infer", V2Client.base64Body(in, List.of(jpegs[0])));
                    status = 404;
                }
                case 8 -> {
                    req = client.request(INFER).GET().build();
                    status = 405;
                }
                default -> {
                    req = client.postRequest(INFER, new byte[(1 << 20) + 1 + rnd.nextInt(1000)]);
                    status = 413;
                }
            }
            V2Client.Reply r = client.send(req);
            assertEquals(status, r.status(), "kind " + kind + ": " + r.text());
            if (status != 200) {
                assertTrue(r.json().get("error").isTextual(), r.text());
                return false;
            }
            float[] soft = V2Client.floats(V2Client.output(r.json(), "softmax_tensor"));
            assertEquals(n * CLASSES, soft.length);
            for (int j = 0; j < n; j++) {
                assertTrue(ServeFixtures.sameBits(want[j], Arrays.copyOfRange(soft, j * CLASSES, (j + 1) * CLASSES)),
                        "kind " + kind + " image " + j + " (" + which[j] + ")");
            }
            return true;
        }
    }
}
