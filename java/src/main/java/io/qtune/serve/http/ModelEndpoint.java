package io.qtune.serve.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import io.qtune.QtuneException;
import io.qtune.serve.InferenceResult;
import io.qtune.serve.InferenceService;
import io.qtune.serve.RejectedRequestException;
import io.qtune.serve.ServeMetrics;
import io.qtune.serve.TensorSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;

/**
 * Everything under {@code /v2/models/NAME[/versions/V]}: metadata ({@code GET}), {@code GET .../ready} and
 * {@code POST .../infer}. An infer request is parsed and turned into images on the HTTP thread, queued, and answered
 * from the responder threads when its batch is done, so no HTTP thread waits for the engine and a full queue is a
 * 503 at once. Infer requests are counted by outcome.
 */
final class ModelEndpoint extends Endpoint {
    static final String HEADER_LENGTH = InferenceServer.BINARY_HEADER_LENGTH;

    private final InferenceService service;
    private final String name;
    private final String version;
    private final long maxBodyBytes;
    private final Executor responder;
    private final BooleanSupplier ready;
    private final ServeMetrics metrics;
    private final InferRequestParser parser;
    private final RequestImages images;
    private final InferResponseWriter writer;
    private final Map<String, Object> metadata;

    ModelEndpoint(ObjectMapper mapper, InferenceService service, String name, long maxBodyBytes, Executor responder,
                  BooleanSupplier ready) {
        super(mapper);
        this.service = service;
        this.name = name;
        this.version = "1";
        this.maxBodyBytes = maxBodyBytes;
        this.responder = responder;
        this.ready = ready;
        this.metrics = service.metrics();
        this.parser = new InferRequestParser(mapper);
        this.images = new RequestImages(service.input(), service.config().maxBatch());
        this.writer = new InferResponseWriter(mapper, name, version);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("versions", List.of(version));
        m.put("platform", "qtune_onednn");
        m.put("inputs", List.of(tensor(service.input())));
        List<Object> outs = new ArrayList<>();
        for (TensorSpec t : service.outputs()) outs.add(tensor(t));
        m.put("outputs", outs);
        this.metadata = m;
    }

    private static Map<String, Object> tensor(TensorSpec t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", t.name());
        m.put("datatype", t.datatype());
        m.put("shape", t.shape());
        return m;
    }

    @Override
    void serve(HttpExchange ex) throws IOException {
        long arrived = System.nanoTime();
        String path = ex.getRequestURI().getPath();
        String[] parts = path.substring("/v2/models/".length()).split("/", -1);
        boolean infer = parts[parts.length - 1].equals("infer");
        try {
            if (parts[0].isEmpty()) throw RequestError.notFound("no model named in " + path);
            if (!parts[0].equals(name)) throw RequestError.notFound("unknown model '" + parts[0] + "' (this server serves '" + name + "')");
            int rest = 1;
            if (parts.length >= 3 && parts[1].equals("versions")) {
                if (!parts[2].equals(version)) {
                    throw RequestError.notFound("model '" + name + "' has no version '" + parts[2] + "' (versions: " + version + ")");
                }
                rest = 3;
            }
            String action = parts.length == rest ? "" : parts.length == rest + 1 ? parts[rest] : null;
            if (action == null) throw RequestError.notFound("no endpoint " + path);
            switch (action) {
                case "" -> {
                    Exchanges.requireMethod(ex, "GET");
                    Exchanges.sendJson(ex, 200, mapper, metadata);
                }
                case "ready" -> {
                    Exchanges.requireMethod(ex, "GET");
                    boolean r = ready.getAsBoolean();
                    Exchanges.sendJson(ex, r ? 200 : 400, mapper, Map.of("name", name, "ready", r));
                }
                case "infer" -> infer(ex, arrived);
                default -> throw RequestError.notFound("no endpoint " + path + " (model endpoints: metadata, ready, infer)");
            }
        } catch (RequestError e) {
            if (infer) metrics.request(RequestError.outcome(e.status), System.nanoTime() - arrived);
            throw e;
        }
    }

    private void infer(HttpExchange ex, long arrived) throws IOException {
        Exchanges.requireMethod(ex, "POST");
        byte[] body = Exchanges.readBody(ex, maxBodyBytes);
        int headerLength = body.length;
        String declared = ex.getRequestHeaders().getFirst(HEADER_LENGTH);
        if (declared != null) {
            try {
                headerLength = Integer.parseInt(declared.trim());
            } catch (NumberFormatException e) {
                throw RequestError.badRequest(HEADER_LENGTH + " '" + declared + "' is not a number");
            }
            if (headerLength < 0 || headerLength > body.length) {
                throw RequestError.badRequest(HEADER_LENGTH + " " + headerLength + " does not fit the " + body.length + "-byte body");
            }
        }
        InferRequest request = parser.parse(body, headerLength);
        List<InferRequest.Output> chosen = InferResponseWriter.selected(request, service.outputs());
        RequestImages.Images in = images.images(request, ByteBuffer.wrap(body, headerLength, body.length - headerLength).slice());
        CompletableFuture<InferenceResult> future;
        try {
            future = service.submit(in.floats(), in.count());
        } catch (RejectedRequestException e) {
            throw new RequestError(503, e.getMessage());
        } catch (QtuneException e) {
            throw RequestError.badRequest(e.getMessage());
        }
        future.whenCompleteAsync((result, failure) -> answer(ex, arrived, request, chosen, result, failure), responder);
    }

    private void answer(HttpExchange ex, long arrived, InferRequest request, List<InferRequest.Output> chosen,
                        InferenceResult result, Throwable failure) {
        String outcome = RequestError.outcome(200);
        try {
            if (failure != null) {
                Throwable c = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                outcome = RequestError.outcome(500);
                Exchanges.sendError(ex, 500, mapper, "inference failed: " + c.getMessage());
                return;
            }
            InferResponseWriter.Response r = writer.write(request, chosen, result);
            if (r.headerLength() >= 0) {
                Exchanges.send(ex, 200, "application/octet-stream", r.body(), Map.of(HEADER_LENGTH, Integer.toString(r.headerLength())));
            } else {
                Exchanges.send(ex, 200, Exchanges.JSON, r.body(), Map.of());
            }
        } catch (UncheckedIOException e) {
            outcome = RequestError.CLIENT_GONE; // the client went away: its answer was computed but never delivered
            ex.close();
        } catch (RuntimeException e) {
            outcome = RequestError.outcome(500);
            answerError(ex, 500, "internal error: " + e);
        } finally {
            metrics.request(outcome, System.nanoTime() - arrived);
        }
    }
}
