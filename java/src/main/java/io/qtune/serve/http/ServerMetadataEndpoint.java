package io.qtune.serve.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v2}: the protocol's server metadata (name, version, extensions), plus a {@code qtune} object with the
 * serving configuration and the machine it runs on. Every other path under no other context is a 404.
 */
final class ServerMetadataEndpoint extends Endpoint {
    static final String VERSION = "0.1.0";
    private final Map<String, Object> body;

    ServerMetadataEndpoint(ObjectMapper mapper, Map<String, Object> qtune) {
        super(mapper);
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("name", "qtune");
        b.put("version", VERSION);
        b.put("extensions", List.of("binary_tensor_data"));
        b.put("qtune", qtune);
        this.body = b;
    }

    @Override
    void serve(HttpExchange ex) {
        String path = ex.getRequestURI().getPath();
        if (!path.equals("/v2") && !path.equals("/v2/")) {
            throw RequestError.notFound("no endpoint " + path + " (the server speaks the KServe v2 protocol under /v2)");
        }
        Exchanges.requireMethod(ex, "GET");
        Exchanges.sendJson(ex, 200, mapper, body);
    }
}
