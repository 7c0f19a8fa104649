package io.qtune.serve.http;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.qtune.QtuneException;
import io.qtune.engine.Model;
import io.qtune.platform.Machine;
import io.qtune.serve.InferenceService;
import io.qtune.serve.ServiceConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The KServe v2 / Open Inference Protocol over HTTP, in front of an {@link InferenceService}, on the JDK's
 * {@code com.sun.net.httpserver}: {@code /v2} (server metadata), {@code /v2/health/{live,ready}},
 * {@code /v2/models/NAME[/ready|/infer]} and {@code /metrics} (Prometheus). The HTTP and responder thread pools are
 * fixed and started up front, so the server's thread count does not grow with load; a client that does not send its
 * request within {@link Options#requestTimeout} is disconnected, so slow or stalled clients cannot hold the HTTP
 * threads ({@link RequestDeadline}).
 *
 * <pre>{@code
 * try (InferenceServer server = InferenceServer.start(model, ServiceConfig.defaults(), InferenceServer.Options.loopback("resnet50", 8000))) {
 *     server.awaitClose();
 * }
 * }</pre>
 *
 * {@link #close} drains: readiness turns false, new infer requests get 503, every accepted request is answered,
 * then the listener closes.
 */
public final class InferenceServer implements AutoCloseable {
    /**
     * The KServe v2 binary tensor extension's header: the length of the JSON part of a body whose raw tensor data
     * follows it. Clients of this server (the loadgen's KServe system under test) send and read the same name.
     */
    public static final String BINARY_HEADER_LENGTH = "Inference-Header-Content-Length";

    /**
     * Where and how the server listens.
     *
     * @param host           address to bind (127.0.0.1 keeps it on this machine; 0.0.0.0 in a container)
     * @param port           TCP port, 0 for any free one
     * @param modelName      the model's name in URLs
     * @param maxBodyBytes   larger request bodies get 413
     * @param httpThreads    threads that read, parse and preprocess requests
     * @param requestTimeout how long a client may take to send a request (line, headers, body) from when an HTTP
     *                       thread takes it up; a slower or stalled one is disconnected, which frees the thread. What
     *                       follows the read (parsing, the queue, inference) does not count.
     */
    public record Options(String host, int port, String modelName, long maxBodyBytes, int httpThreads, Duration requestTimeout) {
        public Options {
            if (port < 0 || port > 65535) throw new QtuneException("port must be 0..65535, got " + port);
            if (modelName == null || !modelName.matches("[A-Za-z0-9_.-]+")) {
                throw new QtuneException("model name '" + modelName + "' must be letters, digits, '_', '.' or '-'");
            }
            if (maxBodyBytes < 1) throw new QtuneException("the body limit must be at least 1 byte");
            if (httpThreads < 1) throw new QtuneException("HTTP threads must be at least 1");
            if (requestTimeout == null || requestTimeout.isNegative() || requestTimeout.isZero()) {
                throw new QtuneException("the request timeout must be more than 0, got " + requestTimeout);
            }
        }

        /** 127.0.0.1, a 64 MiB body limit, 4 HTTP threads and a 30 s request timeout. */
        public static Options loopback(String modelName, int port) {
            return new Options("127.0.0.1", port, modelName, 64L << 20, 4, Duration.ofSeconds(30));
        }

        public Options withMaxBodyBytes(long n) {
            return new Options(host, port, modelName, n, httpThreads, requestTimeout);
        }

        public Options withHttpThreads(int n) {
            return new Options(host, port, modelName, maxBodyBytes, n, requestTimeout);
        }

        public Options withRequestTimeout(Duration d) {
            return new Options(host, port, modelName, maxBodyBytes, httpThreads, d);
        }
    }

    private final InferenceService service;
    private final HttpServer http;
    private final ThreadPoolExecutor httpPool;
    private final ThreadPoolExecutor responder;
    private final RequestDeadline deadline;
    private final Options options;
    private volatile boolean draining;
    private final Object closeLock = new Object();
    private boolean closed;

    /** The JDK HTTP server's switch for TCP_NODELAY on accepted connections. */
    private static final String NODELAY = "sun.net.httpserver.nodelay";

    /** The JDK HTTP server's limit, in whole seconds, from a request read to its answer written. */
    static final String MAX_RSP_TIME = "sun.net.httpserver.maxRspTime";

    /** Far above what a queued answer takes in practice (clients give up much sooner), so abandoned ones reach it. */
    static final long MAX_RSP_SECONDS = 600;

    private InferenceServer(InferenceService service, PrometheusMeterRegistry registry, Options options) {
        this.service = service;
        this.options = options;
        ObjectMapper mapper = new ObjectMapper();
        // a base64 image or a long tensor may be one big token; the body limit is the real bound
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxStringLength((int) Math.min(Integer.MAX_VALUE, options.maxBodyBytes())).build());
        new JvmThreadMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        this.httpPool = fixedPool("qtune-http-", options.httpThreads());
        this.responder = fixedPool("qtune-respond-", 2);
        // The JDK server writes a response's headers and body separately; with Nagle on, the body waits for the
        // client's delayed ACK of the headers (~40 ms on Linux), which dominated loadgen --url SingleStream latency.
        // Read once when the JDK's server classes load, so set before the first server; a value given on the
        // command line wins.
        if (System.getProperty(NODELAY) == null) System.setProperty(NODELAY, "true");
        // A client gone before its answer is written (a client-side timeout while it queued) makes the responder's
        // write fail; the socket is then closed (Exchanges.send), but the JDK's server forgets a connection only when
        // an answer was written whole, when a handler fails on its HTTP thread, or past this limit, so without it
        // each abandoned connection (~20 KB of buffers) stays in the server's sets for good. Read the same way as
        // NODELAY.
        if (System.getProperty(MAX_RSP_TIME) == null) System.setProperty(MAX_RSP_TIME, Long.toString(MAX_RSP_SECONDS));
        try {
            http = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 0);
        } catch (IOException e) {
            httpPool.shutdown();
            responder.shutdown();
            throw new QtuneException("cannot listen on " + options.host() + ":" + options.port() + ": " + e.getMessage(), e);
        }
        Map<String, Object> info = new LinkedHashMap<>();
        ServiceConfig c = service.config();
        info.put("model", options.modelName());
        info.put("instances", c.instances());
        info.put("threads", c.threads());
        info.put("max_batch", c.maxBatch());
        info.put("max_delay_ms", c.maxDelay().toNanos() / 1e6);
        info.put("queue_images", c.queueImages());
        info.put("identical_batch_sizes", service.identicalBatchSizes());
        info.put("machine", Machine.current().toMap());
        http.createContext("/v2", new ServerMetadataEndpoint(mapper, info));
        http.createContext("/v2/health/", new HealthEndpoint(mapper, this::isReady));
        http.createContext("/v2/models/", new ModelEndpoint(mapper, service, options.modelName(), options.maxBodyBytes(),
                responder, this::isReady));
        http.createContext("/metrics", new MetricsEndpoint(mapper, registry));
        http.createContext("/", new Endpoint(mapper) {
            @Override
            void serve(com.sun.net.httpserver.HttpExchange ex) {
                throw RequestError.notFound("no endpoint " + ex.getRequestURI().getPath()
                        + " (the server speaks the KServe v2 protocol under /v2, metrics at /metrics)");
            }
        });
        deadline = new RequestDeadline(options.requestTimeout(), registry);
        http.setExecutor(deadline.guard(httpPool));
        http.start();
    }

    /** Starts an HTTP front for a running service; closing the server closes (drains) the service, not its model. */
    public static InferenceServer start(InferenceService service, PrometheusMeterRegistry registry, Options options) {
        return new InferenceServer(service, registry, options);
    }

    /** Starts a service on {@code model} and an HTTP front for it; closing the server closes the service. */
    public static InferenceServer start(Model model, ServiceConfig config, Options options) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        InferenceService service = InferenceService.start(model, config, registry);
        try {
            return new InferenceServer(service, registry, options);
        } catch (RuntimeException e) {
            service.close();
            throw e;
        }
    }

    private static ThreadPoolExecutor fixedPool(String prefix, int n) {
        AtomicInteger count = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(n, n, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, prefix + count.getAndIncrement());
            t.setDaemon(true);
            return t;
        });
        pool.prestartAllCoreThreads();
        return pool;
    }

    /** The port it listens on (the chosen one when the options said 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    /** {@code http://host:port}. */
    public URI baseUri() {
        return URI.create("http://" + options.host() + ":" + port());
    }

    public InferenceService service() {
        return service;
    }

    public boolean isReady() {
        return !draining && service.isReady();
    }

    /** Waits until {@link #close} has finished (from another thread, e.g. a shutdown hook). */
    public void awaitClose() throws InterruptedException {
        synchronized (closeLock) {
            while (!closed) closeLock.wait();
        }
    }

    /**
     * Drains and stops: not ready from now on, new infer requests get 503, every accepted request is answered, then
     * the listener, the thread pools and the service stop. The model stays open.
     */
    @Override
    public void close() {
        synchronized (closeLock) {
            if (closed) return;
            draining = true;
            service.close(); // answers every accepted request; the model stays open
            responder.shutdown();
            try {
                responder.awaitTermination(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            http.stop(0);
            httpPool.shutdown();
            deadline.close();
            closed = true;
            closeLock.notifyAll();
        }
    }
}
