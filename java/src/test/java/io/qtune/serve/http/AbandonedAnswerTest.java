package io.qtune.serve.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.micrometer.core.instrument.Counter;
import io.qtune.engine.Model;
import io.qtune.serve.ServeFixtures;
import io.qtune.serve.ServiceConfig;
import io.qtune.zoo.ProxyModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Clients that go away while their inference request waits in the queue (a client-side timeout), so that the
 * responder's answer finds them gone: no socket stays open, the JDK's server forgets their connections, and the
 * responders go on serving others.
 */
class AbandonedAnswerTest {
    static final String NAME = "proxy";
    static final String INFER = "/v2/models/" + NAME + "/infer";
    static final int CLIENTS = 20;
    /** Bound on every wait below; the conditions normally hold within a second or two. */
    static final long WAIT_MS = 20_000;

    static InferenceServer start(Model model, Duration maxDelay) {
        // a batch of up to 64 waits maxDelay for the CLIENTS requests, so their answers come after the clients left
        return InferenceServer.start(model, new ServiceConfig(1, 1, 64, maxDelay, 256), InferenceServer.Options.loopback(NAME, 0));
    }

    static boolean waitFor(BooleanSupplier done) throws InterruptedException {
        return ServeFixtures.waitFor(Duration.ofMillis(WAIT_MS), done);
    }

    static long answered(InferenceServer s) {
        return (long) s.service().metrics().registry().find("qtune.requests").counters().stream().mapToDouble(Counter::count).sum();
    }

    /**
     * {@link #CLIENTS} infer requests on raw sockets, each closed (a FIN, as a timed-out client does) once the server
     * has queued them all, then waits until the responders have tried to answer every one.
     */
    static void abandon(InferenceServer s, Model model) throws Exception {
        abandon(s, model, false);
    }

    /** As above; with {@code reset}, each client resets its connection (SO_LINGER 0) instead of closing it. */
    static void abandon(InferenceServer s, Model model, boolean reset) throws Exception {
        byte[] body = V2Client.tensorBody(model.inputName(), ServeFixtures.image(7), 1, ProxyModel.IMAGE_SIZE, false);
        byte[] head = ("POST " + INFER + " HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        long before = answered(s);
        List<Socket> clients = new ArrayList<>();
        try {
            for (int i = 0; i < CLIENTS; i++) {
                Socket c = new Socket("127.0.0.1", s.port());
                clients.add(c);
                c.getOutputStream().write(head);
                c.getOutputStream().write(body);
            }
            assertTrue(waitFor(() -> s.service().queuedImages() == CLIENTS),
                    "queued " + s.service().queuedImages() + " of " + CLIENTS + " requests (a batch left before all came?)");
        } finally {
            for (Socket c : clients) {
                if (reset) c.setSoLinger(true, 0);
                c.close();
            }
        }
        assertTrue(waitFor(() -> answered(s) - before >= CLIENTS), "answered " + (answered(s) - before) + " of " + CLIENTS);
    }

    /** Inodes of this process's open sockets. */
    static Set<String> socketInodes() throws IOException {
        Set<String> inodes = new HashSet<>();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String link = Files.readSymbolicLink(fd).toString();
                    if (link.startsWith("socket:[")) inodes.add(link.substring(8, link.length() - 1));
                } catch (IOException e) {
                    // closed while we looked
                }
            }
        }
        return inodes;
    }

    /**
     * Sockets this process holds open. A server-side socket whose client has gone and reset it has left the kernel's
     * TCP tables (/proc/net/tcp), so only its file descriptor still shows it.
     */
    static int socketFds() {
        try {
            return socketInodes().size();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Names of this server's responder threads alive now (a thread that died would be replaced by qtune-respond-2). */
    static Set<String> responders() {
        Set<String> names = new TreeSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith("qtune-respond-")) names.add(t.getName());
        }
        return names;
    }

    @Test
    void abandonedAnswersLeaveNoSocketOpenAndTheRespondersServeOthers() throws Exception {
        try (Model model = Model.load(ServeFixtures.fp32Model()); InferenceServer s = start(model, Duration.ofSeconds(3))) {
            int baseline = socketFds();
            abandon(s, model);
            boolean closed = waitFor(() -> socketFds() <= baseline);
            assertTrue(closed, socketFds() + " sockets open " + WAIT_MS + " ms after " + CLIENTS + " abandoned answers, "
                    + baseline + " before");

            // fresh clients, more at once than there are responders, are answered right
            assertEquals(Set.of("qtune-respond-0", "qtune-respond-1"), responders());
            V2Client client = new V2Client(s.baseUri(), null);
            List<CompletableFuture<V2Client.Reply>> replies = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                replies.add(client.sendAsync(client.postRequest(INFER,
                        V2Client.tensorBody(model.inputName(), ServeFixtures.image(20 + i), 1, ProxyModel.IMAGE_SIZE, false))));
            }
            for (int i = 0; i < 4; i++) {
                V2Client.Reply r = replies.get(i).get(60, TimeUnit.SECONDS);
                assertEquals(200, r.status(), r.text());
                assertTrue(ServeFixtures.sameBits(ServeFixtures.runAlone(model, ServeFixtures.image(20 + i), 1).floats("softmax_tensor"),
                        V2Client.floats(V2Client.output(r.json(), "softmax_tensor"))));
            }
            assertEquals(Set.of("qtune-respond-0", "qtune-respond-1"), responders());
        }
    }

    static double outcome(InferenceServer s, String outcome) {
        Counter c = s.service().metrics().registry().find("qtune.requests").tag("outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void answersThatFindTheClientGoneAreCountedAsClientGoneNotOk() throws Exception {
        try (Model model = Model.load(ServeFixtures.fp32Model()); InferenceServer s = start(model, Duration.ofSeconds(2))) {
            // reset connections make the answer's write fail for certain (a closed one may still take the bytes)
            abandon(s, model, true);
            assertEquals(CLIENTS, outcome(s, "client_gone"), "every abandoned answer: " + s.service().metrics().registry()
                    .find("qtune.requests").counters().stream().map(c -> c.getId().getTag("outcome") + "=" + c.count()).toList());
            assertEquals(0, outcome(s, "ok"));
            assertEquals(0, s.service().metrics().registry().find("qtune.request.latency").timer().count(),
                    "an undelivered answer has no request latency");
            // an answer delivered afterwards counts as ok
            V2Client client = new V2Client(s.baseUri(), null);
            V2Client.Reply r = client.sendAsync(client.postRequest(INFER, V2Client.tensorBody(model.inputName(),
                    ServeFixtures.image(3), 1, ProxyModel.IMAGE_SIZE, false))).get(60, TimeUnit.SECONDS);
            assertEquals(200, r.status(), r.text());
            assertTrue(waitFor(() -> outcome(s, "ok") == 1), "ok " + outcome(s, "ok"));
            assertEquals(CLIENTS, outcome(s, "client_gone"));
        }
    }

    /** The server sets the JDK's response limit that reclaims abandoned connections, unless one was given. */
    @Test
    void theResponseLimitDefaultsToTenMinutes() {
        try (Model model = Model.load(ServeFixtures.fp32Model()); InferenceServer s = start(model, Duration.ofMillis(2))) {
            assertEquals(Long.toString(InferenceServer.MAX_RSP_SECONDS), System.getProperty(InferenceServer.MAX_RSP_TIME));
        }
    }

    /** Exit status of {@link ForgottenProbe} when the JDK's internals cannot be read. */
    static final int INTERNALS_CLOSED = 3;

    /**
     * The JDK's server forgets abandoned connections once the response limit passes. The limit is read once per JVM,
     * and this JVM's may already be loaded with the 10-minute default, so a fresh JVM runs {@link ForgottenProbe} with
     * a 2 s limit given on its command line (which the server must leave as given).
     */
    @Test
    void theServerForgetsAbandonedConnections() throws Exception {
        Path log = Files.createTempFile("qtune-forgotten", ".log");
        try {
            List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                    "--add-opens", "jdk.httpserver/sun.net.httpserver=ALL-UNNAMED", "-D" + InferenceServer.MAX_RSP_TIME + "=2",
                    "-cp", System.getProperty("java.class.path"), ForgottenProbe.class.getName());
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("OMP_NUM_THREADS", "1");
            Process p = pb.start();
            try {
                assertTrue(p.waitFor(3, TimeUnit.MINUTES), "the probe did not end within 3 minutes");
            } finally {
                p.destroyForcibly();
            }
            String out = Files.readString(log);
            assumeTrue(p.exitValue() != INTERNALS_CLOSED, out);
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("limit 2 s"), out);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /**
     * Run in a fresh JVM: abandons {@link #CLIENTS} answers, then waits until the JDK's server holds no more
     * connections than before (its sets read by reflection, a test-only look at {@code sun.net.httpserver.ServerImpl}).
     * Exits 0 when it does, 1 when not within the wait, {@link #INTERNALS_CLOSED} when the internals cannot be read.
     */
    static final class ForgottenProbe {
        public static void main(String[] args) throws Exception {
            try (Model model = Model.load(ServeFixtures.fp32Model()); InferenceServer s = start(model, Duration.ofMillis(500))) {
                Object impl;
                try {
                    impl = serverImpl(s);
                    held(impl, "allConnections");
                } catch (ReflectiveOperationException | RuntimeException e) {
                    System.out.println("skipped: the JDK's server internals cannot be read (" + e + "); its JVM needs "
                            + "--add-opens jdk.httpserver/sun.net.httpserver=ALL-UNNAMED");
                    System.exit(INTERNALS_CLOSED);
                    return;
                }
                System.out.println("limit " + System.getProperty(InferenceServer.MAX_RSP_TIME) + " s");
                int all = held(impl, "allConnections");
                abandon(s, model);
                System.out.println("after the answers: " + sets(impl));
                boolean forgotten = waitFor(() -> held(impl, "allConnections") <= all && held(impl, "rspConnections") == 0);
                System.out.println((forgotten ? "forgotten: " : "still held " + WAIT_MS + " ms later: ") + sets(impl)
                        + " (allConnections " + all + " before)");
                System.exit(forgotten ? 0 : 1);
            }
        }

        static Object serverImpl(InferenceServer s) throws ReflectiveOperationException {
            Field http = InferenceServer.class.getDeclaredField("http");
            http.setAccessible(true);
            Object wrapper = http.get(s);
            Field server = wrapper.getClass().getDeclaredField("server");
            server.setAccessible(true);
            return server.get(wrapper);
        }

        static int held(Object impl, String set) {
            try {
                Field f = impl.getClass().getDeclaredField(set);
                f.setAccessible(true);
                return ((Set<?>) f.get(impl)).size();
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }

        static String sets(Object impl) {
            return "allConnections " + held(impl, "allConnections") + ", rspConnections " + held(impl, "rspConnections");
        }
    }
}
