package io.qtune.serve;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The service's meters, in Micrometer (Prometheus names in brackets): requests by outcome
 * ({@code qtune_requests_total}), request latency ({@code qtune_request_latency_seconds}, histogram), queue wait
 * ({@code qtune_queue_wait_seconds}, histogram), batch size ({@code qtune_batch_size}, one bucket per size up to the
 * max batch), batch compute time, queue depth in images ({@code qtune_queue_depth_images}), rejections by reason
 * ({@code qtune_rejections_total}), images served ({@code qtune_images_total}) and images per second over the last
 * {@value ImageRate#WINDOW_SECONDS} whole seconds ({@code qtune_images_per_second}).
 */
public final class ServeMetrics {
    private final MeterRegistry registry;
    private final Timer requestLatency;
    private final Timer queueWait;
    private final Timer batchTime;
    private final DistributionSummary batchSize;
    private final Counter images;
    private final ImageRate rate = new ImageRate();
    private final Map<RejectedRequestException.Reason, Counter> rejections = new EnumMap<>(RejectedRequestException.Reason.class);
    private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();

    ServeMetrics(MeterRegistry registry, int maxBatch, IntSupplier queuedImages) {
        this.registry = registry;
        requestLatency = Timer.builder("qtune.request.latency").description("Inference request latency, arrival to answer")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
        queueWait = Timer.builder("qtune.queue.wait").description("Time a request waited in the queue before its batch ran")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
        batchTime = Timer.builder("qtune.batch.compute").description("Engine time of one batch")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
        double[] sizes = new double[maxBatch];
        for (int i = 0; i < maxBatch; i++) sizes[i] = i + 1;
        batchSize = DistributionSummary.builder("qtune.batch.size").description("Images per batch")
                .serviceLevelObjectives(sizes).register(registry);
        images = Counter.builder("qtune.images").description("Images inferred").register(registry);
        Gauge.builder("qtune.queue.depth", queuedImages, s -> s.getAsInt()).baseUnit("images").strongReference(true)
                .description("Images waiting in the queue").register(registry);
        Gauge.builder("qtune.images.per.second", rate, r -> r.perSecond(System.nanoTime())).strongReference(true)
                .description("Images inferred per second over the last " + ImageRate.WINDOW_SECONDS + " whole seconds")
                .register(registry);
        for (RejectedRequestException.Reason r : RejectedRequestException.Reason.values()) {
            rejections.put(r, Counter.builder("qtune.rejections").tag("reason", r.name().toLowerCase(java.util.Locale.ROOT))
                    .description("Requests refused without queueing").register(registry));
        }
    }

    public MeterRegistry registry() {
        return registry;
    }

    /**
     * One finished request: its outcome (ok, bad_request, rejected, client_gone, ...) and, when it was served, its
     * latency.
     */
    public void request(String outcome, long nanos) {
        outcomes.computeIfAbsent(outcome, o -> Counter.builder("qtune.requests").tag("outcome", o)
                .description("Inference requests by outcome").register(registry)).increment();
        if ("ok".equals(outcome)) requestLatency.record(nanos, TimeUnit.NANOSECONDS);
    }

    void rejected(RejectedRequestException.Reason reason) {
        rejections.get(reason).increment();
    }

    void queueWait(long nanos) {
        queueWait.record(nanos, TimeUnit.NANOSECONDS);
    }

    void batch(int size, long nanos) {
        batchSize.record(size);
        batchTime.record(nanos, TimeUnit.NANOSECONDS);
        images.increment(size);
        rate.add(size, System.nanoTime());
    }

    /** Images per whole second, over a sliding window of seconds. */
    static final class ImageRate {
        static final int WINDOW_SECONDS = 10;
        private final long[] second = new long[WINDOW_SECONDS + 1];
        private final long[] count = new long[WINDOW_SECONDS + 1];

        synchronized void add(int n, long nowNanos) {
            long s = nowNanos / 1_000_000_000L;
            int i = (int) Math.floorMod(s, (long) second.length);
            if (second[i] != s) {
                second[i] = s;
                count[i] = 0;
            }
            count[i] += n;
        }

        /** Images in the last WINDOW_SECONDS whole seconds (the current, partial second left out), per second. */
        synchronized double perSecond(long nowNanos) {
            long s = nowNanos / 1_000_000_000L;
            long sum = 0;
            for (int i = 0; i < second.length; i++) {
                long age = s - second[i];
                if (age >= 1 && age <= WINDOW_SECONDS) sum += count[i];
            }
            return (double) sum / WINDOW_SECONDS;
        }
    }
}
