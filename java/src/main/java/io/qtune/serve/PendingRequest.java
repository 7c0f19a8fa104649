package io.qtune.serve;

import java.util.concurrent.CompletableFuture;

/** A request waiting in the queue: its images, when it arrived, and the future its caller holds. */
final class PendingRequest {
    final float[] images;
    final int count;
    final long arrivedNanos;
    final CompletableFuture<InferenceResult> future = new CompletableFuture<>();

    PendingRequest(float[] images, int count, long arrivedNanos) {
        this.images = images;
        this.count = count;
        this.arrivedNanos = arrivedNanos;
    }
}
