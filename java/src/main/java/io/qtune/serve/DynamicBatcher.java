package io.qtune.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The request queue and the batches made from it, as Triton's dynamic batcher makes them: a batch leaves when it
 * holds {@code maxBatch} images or when its oldest request has waited {@code maxDelay}, whichever comes first. The
 * queue is bounded in images (a semaphore of free slots), so memory stays bounded; a request that does not fit is
 * refused at once. One batch forms at a time (the forming lock), so idle instances take whole batches in turn
 * instead of splitting the waiting requests between them.
 */
final class DynamicBatcher {
    /** How often a waiting instance looks whether the service closed. */
    private static final long IDLE_POLL_MS = 50;

    private final int maxBatch;
    private final long maxDelayNanos;
    private final int capacity;
    private final Semaphore room;
    private final LinkedBlockingQueue<PendingRequest> queue = new LinkedBlockingQueue<>();
    private final ReentrantLock forming = new ReentrantLock();
    /** A request taken from the queue that did not fit the last batch; it heads the next one. Guarded by forming. */
    private PendingRequest carried;
    private boolean closed; // guarded by this

    DynamicBatcher(int maxBatch, long maxDelayNanos, int capacityImages) {
        this.maxBatch = maxBatch;
        this.maxDelayNanos = maxDelayNanos;
        this.capacity = capacityImages;
        this.room = new Semaphore(capacityImages);
    }

    /** Queues a request, or refuses it at once when the queue is full or closed. */
    synchronized void offer(PendingRequest r) {
        if (closed) throw new RejectedRequestException(RejectedRequestException.Reason.CLOSED, "the service is shutting down");
        if (!room.tryAcquire(r.count)) {
            throw new RejectedRequestException(RejectedRequestException.Reason.QUEUE_FULL, "the queue is full ("
                    + queuedImages() + " of " + capacity + " images waiting), try again later");
        }
        queue.add(r);
    }

    /** Refuses new requests; those already queued still come out of {@link #nextBatch}. */
    synchronized void close() {
        closed = true;
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    /** Images waiting, including a request held over for the next batch. */
    int queuedImages() {
        return capacity - room.availablePermits();
    }

    /**
     * The next batch (requests in arrival order, at most {@code maxBatch} images in all); blocks until one is
     * ready. Empty once the batcher is closed and every queued request has been handed out.
     */
    List<PendingRequest> nextBatch() throws InterruptedException {
        forming.lockInterruptibly();
        try {
            PendingRequest first = carried;
            carried = null;
            while (first == null) {
                first = queue.poll(IDLE_POLL_MS, TimeUnit.MILLISECONDS);
                if (first == null && isClosed() && queue.isEmpty()) return List.of();
            }
            List<PendingRequest> batch = new ArrayList<>();
            batch.add(first);
            int images = first.count;
            long deadline = first.arrivedNanos + maxDelayNanos;
            while (images < maxBatch) {
                PendingRequest next = queue.poll();
                if (next == null) {
                    long wait = deadline - System.nanoTime();
                    if (wait <= 0 || isClosed()) break; // closing: answer what is there without waiting for company
                    // wait in short slices, so a close does not wait out a long delay
                    next = queue.poll(Math.min(wait, TimeUnit.MILLISECONDS.toNanos(IDLE_POLL_MS)), TimeUnit.NANOSECONDS);
                    if (next == null) continue;
                }
                if (images + next.count > maxBatch) {
                    carried = next;
                    break;
                }
                batch.add(next);
                images += next.count;
            }
            room.release(images);
            return batch;
        } finally {
            forming.unlock();
        }
    }
}
