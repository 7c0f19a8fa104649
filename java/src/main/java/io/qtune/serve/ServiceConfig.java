package io.qtune.serve;

import io.qtune.QtuneException;
import java.time.Duration;

/**
 * How an {@link InferenceService} runs.
 *
 * @param instances   worker instances, each running one batch at a time on its own thread
 * @param threads     OpenMP team size of each instance (instances x threads should not exceed the cores)
 * @param maxBatch    most images in one batch; a request with more is refused
 * @param maxDelay    how long the oldest request of a forming batch may wait for the batch to fill
 * @param queueImages most images waiting in the queue; a request that does not fit is refused at once
 */
public record ServiceConfig(int instances, int threads, int maxBatch, Duration maxDelay, int queueImages) {
    public ServiceConfig {
        if (instances < 1) throw new QtuneException("instances must be at least 1, got " + instances);
        if (threads < 1) throw new QtuneException("threads must be at least 1, got " + threads);
        if (maxBatch < 1) throw new QtuneException("max batch must be at least 1, got " + maxBatch);
        if (maxDelay == null || maxDelay.isNegative()) throw new QtuneException("max delay must be 0 or more, got " + maxDelay);
        if (queueImages < maxBatch) {
            throw new QtuneException("the queue (" + queueImages + " images) must hold at least one full batch (" + maxBatch + ")");
        }
    }

    /** One instance on every core, batches of up to 8 after at most 2 ms, 1024 images queued. */
    public static ServiceConfig defaults() {
        return new ServiceConfig(1, Math.max(1, Runtime.getRuntime().availableProcessors()), 8, Duration.ofMillis(2), 1024);
    }

    public ServiceConfig withInstances(int n) {
        return new ServiceConfig(n, threads, maxBatch, maxDelay, queueImages);
    }

    public ServiceConfig withThreads(int n) {
        return new ServiceConfig(instances, n, maxBatch, maxDelay, queueImages);
    }

    public ServiceConfig withMaxBatch(int n) {
        return new ServiceConfig(instances, threads, n, maxDelay, Math.max(queueImages, n));
    }

    public ServiceConfig withMaxDelay(Duration d) {
        return new ServiceConfig(instances, threads, maxBatch, d, queueImages);
    }

    public ServiceConfig withQueueImages(int n) {
        return new ServiceConfig(instances, threads, maxBatch, maxDelay, n);
    }
}
