package io.qtune;

/**
 * An error the user can act on: bad input file, unsupported node, wrong option.
 * The message is one line naming the file, node or line at fault; the CLI prints it without a stack trace.
 */
public class QtuneException extends RuntimeException {
    public QtuneException(String message) {
        super(message);
    }

    public QtuneException(String message, Throwable cause) {
        super(message, cause);
    }
}
