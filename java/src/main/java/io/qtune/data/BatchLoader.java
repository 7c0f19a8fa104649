package io.qtune.data;

import io.qtune.QtuneException;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Loads batches of a {@link LabeledImages} on a small pool of daemon threads while the consumer runs inference.
 * Batches come out in the given order with fixed contents, whatever the thread timing; at most
 * {@link Options#prefetchBatches()} batches are decoded ahead of the one the consumer waits for.
 * A failed image load surfaces in the batch that holds it, as the original exception (the first failing position
 * of that batch), after which the loader is closed. Use in try-with-resources so a consumer's exception stops the pool.
 * One consumer thread calls {@link #next()} and {@link #close()}.
 */
public final class BatchLoader implements Iterator<BatchLoader.Batch>, AutoCloseable {

    /**
     * @param threads decoding threads
     * @param prefetchBatches batches decoded ahead of the one being consumed (bounds memory)
     */
    public record Options(int threads, int prefetchBatches) {
        public Options {
            if (threads < 1) {
                throw new QtuneException("loader threads must be at least 1, got " + threads);
            }
            if (prefetchBatches < 0) {
                throw new QtuneException("prefetch batches must be 0 or more, got " + prefetchBatches);
            }
        }

        /** One thread per available processor, two batches ahead. */
        public static Options defaults() {
            return new Options(Runtime.getRuntime().availableProcessors(), 2);
        }

        public Options withThreads(int n) {
            return new Options(n, prefetchBatches);
        }
    }

    /**
     * One batch: {@code images} holds size()*H*W*3 floats NHWC; the arrays belong to the consumer.
     *
     * @param index batch number, 0-based
     * @param imageIndices the data set indices of the images, in batch order
     */
    public record Batch(int index, int[] imageIndices, float[] images, int[] labels, String[] ids) {
        public int size() {
            return imageIndices.length;
        }
    }

    private static final AtomicInteger LOADERS = new AtomicInteger();
    private static final long CLOSE_WAIT_SECONDS = 10;

    private final LabeledImages images;
    private final int batchSize;
    private final int[] order;
    private final int floatsPerImage;
    private final int numBatches;
    private final int prefetch;
    private final String threadPrefix;
    private final ThreadPoolExecutor pool;
    private final ArrayDeque<Pending> inFlight = new ArrayDeque<>(); // touched by the consumer thread only
    private volatile boolean closed;
    private int dispatched;
    private int delivered;
    private RuntimeException failure;

    /** All images in data set order. */
    public BatchLoader(LabeledImages images, int batchSize, Options options) {
        this(images, batchSize, identity(images.size()), options);
    }

    /** The images whose indices {@code order} gives, in that order (repeats allowed). */
    public BatchLoader(LabeledImages images, int batchSize, int[] order, Options options) {
        this.images = Objects.requireNonNull(images, "images");
        if (batchSize < 1) {
            throw new QtuneException("batch size must be at least 1, got " + batchSize);
        }
        int n = images.size();
        for (int k = 0; k < order.length; k++) {
            if (order[k] < 0 || order[k] >= n) {
                throw new QtuneException("image order position " + k + " names image " + order[k]
                        + ", outside the data set's 0.." + (n - 1));
            }
        }
        this.batchSize = batchSize;
        this.order = order.clone();
        this.floatsPerImage = Math.multiplyExact(Math.multiplyExact(images.height(), images.width()), 3);
        Math.multiplyExact(floatsPerImage, batchSize); // a batch must fit one Java array
        this.numBatches = (order.length + batchSize - 1) / batchSize;
        this.prefetch = options.prefetchBatches();
        this.threadPrefix = "qtune-batch-loader-" + LOADERS.incrementAndGet() + "-";
        AtomicInteger threadNo = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(options.threads(), options.threads(), 10, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, threadPrefix + threadNo.incrementAndGet());
                    t.setDaemon(true); // never keeps the JVM alive
                    return t;
                });
        // an abandoned, unclosed loader then loses its idle threads instead of leaking them
        pool.allowCoreThreadTimeOut(true);
        topUp();
    }

    private static int[] identity(int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        return order;
    }

    public int numBatches() {
        return numBatches;
    }

    /** Names of this loader's threads start with this. */
    String threadNamePrefix() {
        return threadPrefix;
    }

    @Override
    public boolean hasNext() {
        return !closed && failure == null && delivered < numBatches;
    }

    /** Waits for the next batch in order; rethrows the loader error of that batch as it was thrown. */
    @Override
    public Batch next() {
        if (failure != null) {
            throw failure;
        }
        if (closed || delivered >= numBatches) {
            throw new NoSuchElementException(closed ? "batch loader is closed" : "no more batches");
        }
        topUp();
        Pending pending = inFlight.removeFirst();
        try {
            pending.done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new QtuneException("interrupted while waiting for batch " + pending.index);
        }
        delivered++;
        Throwable error = pending.firstError();
        if (error != null) {
            close();
            if (error instanceof Error err) {
                throw err; // OutOfMemoryError and the like reach the consumer unchanged
            }
            failure = error instanceof RuntimeException re ? re
                    : new QtuneException("loading batch " + pending.index + " failed: " + error, error);
            throw failure;
        }
        topUp();
        return new Batch(pending.index, pending.indices, pending.data, pending.labels, pending.ids);
    }

    /** Dispatches batches until the one being consumed and the prefetch window are queued. */
    private void topUp() {
        int limit = Math.min(numBatches, delivered + 1 + prefetch);
        while (!closed && dispatched < limit) {
            Pending p = new Pending(dispatched++);
            inFlight.addLast(p);
            for (int j = 0; j < p.indices.length; j++) {
                int position = j;
                pool.execute(() -> p.load(position));
            }
        }
    }

    /** Stops the pool: queued loads are dropped, running ones finish (up to a few seconds), then the threads end. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        inFlight.clear();
        pool.shutdownNow();
        try {
            pool.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** True once every loader thread has ended (after close). */
    boolean isTerminated() {
        return pool.isTerminated();
    }

    /** A batch being filled: each pool task writes one image into its own slice. */
    private final class Pending {
        final int index;
        final int[] indices;
        final int[] labels;
        final String[] ids;
        final float[] data;
        final Throwable[] errors;
        final AtomicInteger remaining;
        final CountDownLatch done = new CountDownLatch(1);

        Pending(int index) {
            this.index = index;
            int start = index * batchSize;
            int size = Math.min(batchSize, order.length - start);
            indices = new int[size];
            labels = new int[size];
            ids = new String[size];
            System.arraycopy(order, start, indices, 0, size);
            for (int j = 0; j < size; j++) {
                labels[j] = images.label(indices[j]);
                ids[j] = images.id(indices[j]);
            }
            data = new float[size * floatsPerImage];
            errors = new Throwable[size];
            remaining = new AtomicInteger(size);
        }

        void load(int position) {
            try {
                if (!closed) {
                    images.load(indices[position], data, position * floatsPerImage);
                }
            } catch (Throwable t) {
                errors[position] = t;
            } finally {
                // the atomic decrement orders this thread's writes before the consumer's read of the batch
                if (remaining.decrementAndGet() == 0) {
                    done.countDown();
                }
            }
        }

        /** The error at the lowest position, so the reported error does not depend on thread timing. */
        Throwable firstError() {
            for (Throwable t : errors) {
                if (t != null) {
                    return t;
                }
            }
            return null;
        }
    }
}
