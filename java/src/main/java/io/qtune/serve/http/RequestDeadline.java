package io.qtune.serve.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * How long a client may take to send one request. The JDK's server reads the request line and headers on a thread
 * of our fixed HTTP pool before any handler runs, and the handler reads the body on the same thread, so a client that
 * sends slowly or stalls would hold that thread for ever. Each task the server hands the pool ({@link #guard}) runs
 * under a deadline from when a thread takes it up until the request has been read to its end ({@link #requestRead});
 * past it the thread is interrupted. The thread is then blocked in (or about to enter) a read of the connection's
 * socket channel, an interruptible channel, so the read fails and the channel closes: the client sees the connection
 * closed, the handler fails with an IOException, and the thread is free. What the handler does after the read
 * (parsing, preprocessing, and inference, answered from the responder threads) does not count.
 *
 * <p>Not the JDK's {@code sun.net.httpserver.maxReqTime}: that covers the same phases, but is read once per JVM when
 * the server classes load (so one value for every server), in whole seconds, checked once per
 * {@code sun.net.httpserver.timerMillis} (1 s), and it also counts the time an arrived request waits for a free thread.
 *
 * <p>Cut-off requests are counted in {@code qtune_http_request_timeouts_total}.
 */
final class RequestDeadline implements AutoCloseable {
    private static final ThreadLocal<Watch> CURRENT = new ThreadLocal<>();

    private final long nanos;
    private final ScheduledThreadPoolExecutor timer;
    private final Counter timeouts;

    RequestDeadline(Duration timeout, MeterRegistry registry) {
        this.nanos = timeout.toNanos();
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "qtune-request-deadline");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true); // most deadlines are cancelled; keep the queue to the open ones
        timer.prestartAllCoreThreads();
        this.timeouts = Counter.builder("qtune.http.request.timeouts")
                .description("Connections closed because their request was not read within the request timeout")
                .register(registry);
    }

    /** {@code pool}, running each task under the deadline. */
    Executor guard(Executor pool) {
        return task -> pool.execute(() -> run(task));
    }

    private void run(Runnable task) {
        Watch w = new Watch(Thread.currentThread());
        ScheduledFuture<?> expiry;
        try {
            expiry = timer.schedule(w::expire, nanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            task.run(); // closing: the listener has stopped and closed its connections
            return;
        }
        CURRENT.set(w);
        try {
            task.run();
        } finally {
            expiry.cancel(false);
            CURRENT.remove();
            if (w.settle()) Thread.interrupted(); // do not hand the pool an interrupted thread
        }
    }

    /**
     * On an HTTP thread: the request has been read to its end, the deadline no longer applies. Fails when the request
     * was cut off first (the connection may still be open if the interrupt came between reads), so its exchange ends
     * as a cut-off one. Elsewhere (a responder thread), nothing.
     */
    static void requestRead() throws IOException {
        Watch w = CURRENT.get();
        if (w != null && w.settle()) {
            Thread.interrupted();
            throw new InterruptedIOException("the request was not read within the request timeout");
        }
    }

    /** Stops the timer; tasks still running finish without a deadline. */
    @Override
    public void close() {
        timer.shutdownNow();
    }

    /** One task's deadline: expires (interrupts its thread) unless settled first, under one lock so never after. */
    private final class Watch {
        private final Thread thread;
        private boolean settled;
        private boolean expired;

        Watch(Thread thread) {
            this.thread = thread;
        }

        synchronized void expire() {
            if (settled) return;
            settled = true;
            expired = true;
            timeouts.increment();
            thread.interrupt();
        }

        /** Ends the deadline; true when it had expired. */
        synchronized boolean settle() {
            settled = true;
            return expired;
        }
    }
}
