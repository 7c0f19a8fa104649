package io.qtune.serve.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * An endpoint family: {@link #serve} answers the exchange or throws a {@link RequestError}, which becomes the
 * one-line JSON error; anything else unexpected becomes a 500 with its message, and the server keeps running.
 */
abstract class Endpoint implements HttpHandler {
    final ObjectMapper mapper;

    Endpoint(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** Answers the exchange (now or later, from another thread), or throws. */
    abstract void serve(HttpExchange ex) throws IOException;

    @Override
    public final void handle(HttpExchange ex) {
        try {
            serve(ex);
        } catch (RequestError e) {
            answerError(ex, e.status, e.getMessage());
        } catch (UncheckedIOException | IOException e) {
            ex.close(); // the client went away mid-exchange
        } catch (RuntimeException e) {
            answerError(ex, 500, "internal error: " + e);
        }
    }

    void answerError(HttpExchange ex, int status, String message) {
        try {
            Exchanges.sendError(ex, status, mapper, message);
        } catch (UncheckedIOException e) {
            ex.close();
        }
    }
}
