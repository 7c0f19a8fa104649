package io.qtune.serve;

import io.qtune.QtuneException;

/** A request the service refused at once, without queueing it: the queue is full, or the service is closing. */
public final class RejectedRequestException extends QtuneException {
    /** Why a request was refused. */
    public enum Reason { QUEUE_FULL, CLOSED }

    private final Reason reason;

    public RejectedRequestException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
