package io.qtune.serve.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Map;

/** Reading bodies and writing JSON answers on an exchange; every answer closes the exchange. */
final class Exchanges {
    static final String JSON = "application/json";

    private Exchanges() {}

    /** Fails with 405 (and an Allow header) unless the method is one of {@code allowed}. */
    static void requireMethod(HttpExchange ex, String... allowed) {
        for (String m : allowed) if (m.equals(ex.getRequestMethod())) return;
        ex.getResponseHeaders().set("Allow", String.join(", ", allowed));
        throw new RequestError(405, "method " + ex.getRequestMethod() + " not allowed on " + ex.getRequestURI().getPath()
                + " (allowed: " + String.join(", ", allowed) + ")");
    }

    /**
     * Whether the request has a body: chunked, or a Content-Length over 0 (the JDK's server answers 400 itself to a
     * Content-Length that is not a number).
     */
    static boolean hasBody(HttpExchange ex) {
        if (ex.getRequestHeaders().containsKey("Transfer-Encoding")) return true;
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        return declared != null && Long.parseLong(declared.trim()) > 0;
    }

    /**
     * The whole body, refused with 413 when it is longer than {@code limit} bytes (declared or actual). The stream is
     * left open: the error answer drains what is left of a refused body ({@link #sendError}). Reading it to its end
     * ends the request's read deadline ({@link RequestDeadline}).
     */
    static byte[] readBody(HttpExchange ex, long limit) throws IOException {
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            long n;
            try {
                n = Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                throw RequestError.badRequest("Content-Length '" + declared + "' is not a number");
            }
            if (n > limit) throw tooLarge(n, limit);
        }
        InputStream in = ex.getRequestBody();
        byte[] buf = new byte[(int) Math.min(limit + 1, declared != null ? Long.parseLong(declared.trim()) + 1 : 65536)];
        int len = 0;
        for (int r; (r = in.read(buf, len, buf.length - len)) >= 0; ) {
            len += r;
            if (len > limit) throw tooLarge(len, limit);
            if (len == buf.length) buf = Arrays.copyOf(buf, (int) Math.min(limit + 1, (long) buf.length * 2));
        }
        RequestDeadline.requestRead();
        return len == buf.length ? buf : Arrays.copyOf(buf, len);
    }

    /**
     * Bytes of an over-long body read and dropped before the 413 goes out: a client still sending when the server
     * closes the connection gets a reset instead of the answer. Past this, the answer says {@code Connection: close}.
     */
    static final long DRAIN_BYTES = 64L << 20;

    /** Reads and drops the body, giving up a little past {@code most} bytes; true when it reached the body's end. */
    private static boolean discard(HttpExchange ex, long most) throws IOException {
        InputStream in = ex.getRequestBody();
        byte[] sink = new byte[65536];
        for (long n = 0; n <= most; ) {
            int r = in.read(sink);
            if (r < 0) {
                RequestDeadline.requestRead();
                return true;
            }
            n += r;
        }
        return false;
    }

    /**
     * Before an answer goes out: what is left of the body (all of it for a 404 or 405 answered from the path alone,
     * the rest of one refused with 413, a body sent to a GET) is drained so the keep-alive connection can carry the
     * client's next request; when it cannot be drained, the answer says {@code Connection: close}, else the server
     * would drop a connection the client still reuses. A body read to its end drains nothing. Draining here, not in
     * the JDK's close of the exchange, keeps a client cut off mid-drain a failed answer ({@link Endpoint}).
     */
    private static void drainOrClose(HttpExchange ex) {
        try {
            if (!discard(ex, DRAIN_BYTES)) ex.getResponseHeaders().set("Connection", "close");
        } catch (IOException e) {
            ex.getResponseHeaders().set("Connection", "close"); // the client went away mid-body
        }
    }

    private static RequestError tooLarge(long n, long limit) {
        return new RequestError(413, "request body of " + n + (n > limit ? "" : "+") + " bytes is over the limit of " + limit + " bytes");
    }

    static void send(HttpExchange ex, int status, String contentType, byte[] body, Map<String, String> headers) {
        drainOrClose(ex);
        try (ex) {
            if (contentType != null) ex.getResponseHeaders().set("Content-Type", contentType);
            headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
            if (body.length == 0) {
                ex.sendResponseHeaders(status, -1);
            } else {
                ex.sendResponseHeaders(status, body.length);
                // Closed by the exchange's close, not on its own: after a failed write (the client went away) the JDK's
                // close of the exchange then finds the body short and closes the socket; closing the body first would
                // swallow that and leave the socket open for good.
                ex.getResponseBody().write(body);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the client went away; nothing to answer
        }
    }

    static void sendJson(HttpExchange ex, int status, ObjectMapper mapper, Object body) {
        byte[] bytes;
        try {
            bytes = mapper.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a response body", e);
        }
        send(ex, status, JSON, bytes, Map.of());
    }

    /** The one-line JSON error body. */
    static void sendError(HttpExchange ex, int status, ObjectMapper mapper, String message) {
        String line = message == null ? "error" : message.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
        sendJson(ex, status, mapper, Map.of("error", line));
    }
}
