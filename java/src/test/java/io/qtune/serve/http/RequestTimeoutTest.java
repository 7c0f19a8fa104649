package io.qtune.serve.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import io.qtune.engine.Model;
import io.qtune.serve.ServeFixtures;
import io.qtune.serve.ServiceConfig;
import io.qtune.zoo.ProxyModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Slow and stalled clients against short request timeouts, over raw sockets: they are disconnected after about the
 * timeout, their HTTP threads serve others again, and time spent after the request was read (a slow batch) is not cut.
 */
class RequestTimeoutTest {
    static final String NAME = "proxy";
    static final String INFER = "/v2/models/" + NAME + "/infer";
    /** What a loaded 2-core machine may add to a timeout before the client sees the connection closed. */
    static final long SLACK_MS = 10_000;
    static Model model;

    @BeforeAll
    static void load() {
        model = Model.load(ServeFixtures.fp32Model());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static InferenceServer start(int httpThreads, Duration timeout, Duration maxDelay) {
        return InferenceServer.start(model, new ServiceConfig(1, 1, 4, maxDelay, 64),
                InferenceServer.Options.loopback(NAME, 0).withHttpThreads(httpThreads).withRequestTimeout(timeout));
    }

    /** Headers announcing a 100,000-byte body, then 3 bytes of it, then nothing. */
    static Socket stalledBody(InferenceServer s) throws IOException {
        Socket c = new Socket("127.0.0.1", s.port());
        c.getOutputStream().write(("POST " + INFER + " HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                + "Content-Length: 100000\r\n\r\n{\"i").getBytes(StandardCharsets.US_ASCII));
        return c;
    }

    /** A request line, then one header byte every 100 ms (for at most 30 s), never ending the headers. */
    static Socket slowHeaders(InferenceServer s) throws IOException {
        Socket c = new Socket("127.0.0.1", s.port());
        OutputStream out = c.getOutputStream();
        out.write(("GET /v2/health/live HTTP/1.1\r\nHost: test\r\nX-Slow: ").getBytes(StandardCharsets.US_ASCII));
        Thread trickle = new Thread(() -> {
            try {
                for (int i = 0; i < 300; i++) {
                    Thread.sleep(100);
                    out.write('a');
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // disconnected: what the test waits for
            }
        }, "slow-headers");
        trickle.setDaemon(true);
        trickle.start();
        return c;
    }

    /** Milliseconds until the server closed the connection (end of stream or a reset); fails if it sent an answer. */
    static long msUntilClosed(Socket c, long startNanos) throws IOException {
        c.setSoTimeout((int) (SLACK_MS * 3));
        InputStream in = c.getInputStream();
        try {
            int b = in.read();
            assertEquals(-1, b, "the server answered a stalled request instead of closing it");
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the connection was still open after " + SLACK_MS * 3 + " ms", e);
        } catch (IOException e) {
            // a reset: closed with our unread bytes in its buffer
        }
        c.close();
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /** How many requests the server has cut off, from its Prometheus text. */
    static double timeouts(V2Client client) throws Exception {
        for (String line : client.get("/metrics").text().split("\n")) {
            if (line.startsWith("qtune_http_request_timeouts_total ")) return Double.parseDouble(line.substring(line.indexOf(' ') + 1));
        }
        throw new AssertionError("no qtune_http_request_timeouts_total in /metrics");
    }

    /** HTTP threads blocked reading a socket: those the stalled clients hold. */
    static int threadsReading() {
        int n = 0;
        for (var e : Thread.getAllStackTraces().entrySet()) {
            if (!e.getKey().getName().startsWith("qtune-http-")) continue;
            for (StackTraceElement f : e.getValue()) {
                if (f.getClassName().endsWith("SocketChannelImpl") && f.getMethodName().equals("read")) {
                    n++;
                    break;
                }
            }
        }
        return n;
    }

    interface StalledClient {
        Socket open(InferenceServer s) throws IOException;
    }

    /** One HTTP thread and a 1 s timeout: the client is cut off after about the timeout, and the thread serves again. */
    static void disconnectedAfterTheTimeout(StalledClient stalled) throws Exception {
        try (InferenceServer s = start(1, Duration.ofSeconds(1), Duration.ofMillis(2))) {
            long t0 = System.nanoTime();
            long ms = msUntilClosed(stalled.open(s), t0);
            assertTrue(ms >= 800 && ms < 1000 + SLACK_MS, "closed after " + ms + " ms with a 1 s timeout");
            V2Client client = new V2Client(s.baseUri(), null);
            assertEquals(200, client.get("/v2/health/live").status());
            assertEquals(1.0, timeouts(client));
        }
    }

    @Test
    void aStalledBodyIsDisconnectedAfterTheTimeout() throws Exception {
        disconnectedAfterTheTimeout(RequestTimeoutTest::stalledBody);
    }

    @Test
    void headersSentByteByByteAreDisconnectedAfterTheTimeout() throws Exception {
        disconnectedAfterTheTimeout(RequestTimeoutTest::slowHeaders);
    }

    /** As many stalled clients as HTTP threads: health and inference are answered once the timeout frees the threads. */
    @Test
    void stalledClientsOnEveryHttpThreadDoNotWedgeTheServer() throws Exception {
        try (InferenceServer s = start(2, Duration.ofSeconds(2), Duration.ofMillis(2))) {
            long t0 = System.nanoTime();
            List<Socket> stalled = List.of(stalledBody(s), slowHeaders(s));
            ServeFixtures.waitFor(Duration.ofSeconds(10), () -> threadsReading() >= 2);
            V2Client client = new V2Client(s.baseUri(), null);
            CompletableFuture<V2Client.Reply> live = client.sendAsync(client.request("/v2/health/live").GET().build());
            CompletableFuture<V2Client.Reply> ready = client.sendAsync(client.request("/v2/health/ready").GET().build());
            CompletableFuture<V2Client.Reply> infer = client.sendAsync(client.postRequest(INFER,
                    V2Client.tensorBody(model.inputName(), ServeFixtures.image(3), 1, ProxyModel.IMAGE_SIZE, false)));
            long bound = 2000 + SLACK_MS;
            assertEquals(200, live.get(bound, TimeUnit.MILLISECONDS).status());
            assertEquals(200, ready.get(bound, TimeUnit.MILLISECONDS).status());
            V2Client.Reply r = infer.get(bound, TimeUnit.MILLISECONDS);
            assertEquals(200, r.status(), r.text());
            assertTrue(ServeFixtures.sameBits(ServeFixtures.runAlone(model, ServeFixtures.image(3), 1).floats("softmax_tensor"),
                    V2Client.floats(V2Client.output(r.json(), "softmax_tensor"))));
            List<Long> closed = new ArrayList<>();
            for (Socket c : stalled) closed.add(msUntilClosed(c, t0));
            for (long ms : closed) assertTrue(ms < 2000 + SLACK_MS, "stalled clients closed after " + closed + " ms");
            assertEquals(2.0, timeouts(client));
        }
    }

    /**
     * A 1 s timeout and batches that wait 2.5 s to fill: the request is read at once, so its 2.5 s in the queue is not
     * cut off; nor is a kept-alive connection that idles past the timeout between requests.
     */
    @Test
    void timeAfterTheRequestIsReadDoesNotCount() throws Exception {
        try (InferenceServer s = start(2, Duration.ofSeconds(1), Duration.ofMillis(2500))) {
            V2Client client = new V2Client(s.baseUri(), null);
            long t0 = System.nanoTime();
            V2Client.Reply r = client.post(INFER, V2Client.tensorBody(model.inputName(), ServeFixtures.image(4), 1, ProxyModel.IMAGE_SIZE, false));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(200, r.status(), r.text());
            assertTrue(ms >= 1000, "the answer came after " + ms + " ms: not past the timeout, so this tests nothing");
            Thread.sleep(1500);
            assertEquals(200, client.get("/v2/health/live").status());
            assertEquals(0.0, timeouts(client));
        }
    }

    @Test
    void theTimeoutMustBePositive() {
        InferenceServer.Options o = InferenceServer.Options.loopback(NAME, 0);
        for (Duration bad : new Duration[] {Duration.ZERO, Duration.ofSeconds(-1), null}) {
            QtuneException e = assertThrows(QtuneException.class, () -> o.withRequestTimeout(bad));
            assertTrue(e.getMessage().contains("request timeout must be more than 0"), e.getMessage());
        }
    }
}
