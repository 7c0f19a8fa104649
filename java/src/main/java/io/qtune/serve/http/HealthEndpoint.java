package io.qtune.serve.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * {@code GET /v2/health/live} and {@code GET /v2/health/ready}: 200 when true; not ready (starting or draining) is
 * 400, the protocol's 4xx for false. The bodies ({@code {"live":true}}) are for people; probes read the status.
 */
final class HealthEndpoint extends Endpoint {
    private final BooleanSupplier ready;

    HealthEndpoint(ObjectMapper mapper, BooleanSupplier ready) {
        super(mapper);
        this.ready = ready;
    }

    @Override
    void serve(HttpExchange ex) {
        String path = ex.getRequestURI().getPath();
        switch (path) {
            case "/v2/health/live" -> {
                Exchanges.requireMethod(ex, "GET");
                Exchanges.sendJson(ex, 200, mapper, Map.of("live", true));
            }
            case "/v2/health/ready" -> {
                Exchanges.requireMethod(ex, "GET");
                boolean r = ready.getAsBoolean();
                Exchanges.sendJson(ex, r ? 200 : 400, mapper, Map.of("ready", r));
            }
            default -> throw RequestError.notFound("no endpoint " + path + " (health: /v2/health/live, /v2/health/ready)");
        }
    }
}
