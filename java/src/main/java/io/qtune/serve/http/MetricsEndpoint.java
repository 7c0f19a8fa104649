package io.qtune.serve.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** {@code GET /metrics}: every meter in the Prometheus text exposition format. */
final class MetricsEndpoint extends Endpoint {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private final PrometheusMeterRegistry registry;

    MetricsEndpoint(ObjectMapper mapper, PrometheusMeterRegistry registry) {
        super(mapper);
        this.registry = registry;
    }

    @Override
    void serve(HttpExchange ex) {
        if (!ex.getRequestURI().getPath().equals("/metrics")) throw RequestError.notFound("no endpoint " + ex.getRequestURI().getPath());
        Exchanges.requireMethod(ex, "GET");
        Exchanges.send(ex, 200, CONTENT_TYPE, registry.scrape().getBytes(StandardCharsets.UTF_8), Map.of());
    }
}
