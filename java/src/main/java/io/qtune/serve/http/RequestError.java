package io.qtune.serve.http;

/** A request answered with an HTTP error status and a one-line JSON body {@code {"error": "..."}}. */
final class RequestError extends RuntimeException {
    final int status;

    RequestError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    static RequestError badRequest(String message) {
        return new RequestError(400, message);
    }

    static RequestError notFound(String message) {
        return new RequestError(404, message);
    }

    /** The outcome tag of a request whose answer could not be written: the client had gone (no latency recorded). */
    static final String CLIENT_GONE = "client_gone";

    /** The outcome tag of the requests counter for a status. */
    static String outcome(int status) {
        return switch (status) {
            case 200 -> "ok";
            case 400 -> "bad_request";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 413 -> "too_large";
            case 503 -> "rejected";
            default -> status >= 500 ? "error" : "client_error";
        };
    }
}
