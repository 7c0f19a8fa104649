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
    public final void handle(HttpExchange ex) throws IOException {
        try {
            if (!Exchanges.hasBody(ex)) RequestDeadline.requestRead();
            serve(ex);
        } catch (RequestError e) {
            answerOrGone(ex, e.status, e.getMessage());
        } catch (UncheckedIOException e) {
            gone(ex, e.getCause());
        } catch (IOException e) {
            gone(ex, e);
        } catch (RuntimeException e) {
            answerOrGone(ex, 500, "internal error: " + e);
        }
    }

    private void answerOrGone(HttpExchange ex, int status, String message) throws IOException {
        try {
            Exchanges.sendError(ex, status, mapper, message);
        } catch (UncheckedIOException e) {
            gone(ex, e.getCause());
        }
    }

    /**
     * The client went away, or was cut off by the {@link RequestDeadline}, mid-exchange. Rethrown to the JDK's server,
     * which then closes the connection and forgets it: closing the exchange alone leaves the connection in the
     * server's sets of open ones for good.
     */
    private static void gone(HttpExchange ex, IOException e) throws IOException {
        ex.close();
        throw e;
    }

    /** An error answer from outside the HTTP thread (a responder): a client gone by then only closes the exchange. */
    void answerError(HttpExchange ex, int status, String message) {
        try {
            Exchanges.sendError(ex, status, mapper, message);
        } catch (UncheckedIOException e) {
            ex.close();
        }
    }
}
