package io.qtune.serve;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.qtune.QtuneException;
import io.qtune.engine.Model;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;

/**
 * A model served to many callers: requests go into a bounded queue, a dynamic batcher groups them into batches of
 * up to {@link ServiceConfig#maxBatch()} images, and {@link ServiceConfig#instances()} instances each run one batch
 * at a time on an OpenMP team of {@link ServiceConfig#threads()} threads.
 *
 * <pre>{@code
 * try (Model model = Model.load(Path.of("int8_resnet50_v1_fp32.pb"));
 *      InferenceService service = InferenceService.start(model, ServiceConfig.defaults().withInstances(2).withThreads(1))) {
 *     InferenceResult r = service.infer(nhwcImage, 1);                      // blocking
 *     service.submit(nhwcImages, 4).thenAcceptAsync(res -> use(res.floats("softmax_tensor")));
 * }
 * }</pre>
 *
 * A request's outputs are bit for bit those of {@code model.run} on its images alone, whatever batch it shared: at
 * start the service measures which batch sizes give every image its batch-1 bits ({@link #identicalBatchSizes()},
 * compiling every size on the way) and runs each formed batch as chunks of those sizes. A request the queue cannot take
 * is refused at once with {@link RejectedRequestException}. {@link #close} refuses new requests, answers every
 * accepted one, then stops the instances; it does not close the model.
 */
public final class InferenceService implements AutoCloseable {
    private final Model model;
    private final ServiceConfig config;
    private final DynamicBatcher batcher;
    private final ServeMetrics metrics;
    private final List<Thread> threads = new ArrayList<>();
    private final TensorSpec input;
    private final List<TensorSpec> outputs;
    private final List<ServingInstance> instances;
    private int[] batchSizes;
    private final long imageFloats;
    private volatile boolean closed;

    private InferenceService(Model model, ServiceConfig config, MeterRegistry registry) {
        this.model = model;
        this.config = config;
        this.batcher = new DynamicBatcher(config.maxBatch(), config.maxDelay().toNanos(), config.queueImages());
        this.metrics = new ServeMetrics(registry, config.maxBatch(), batcher::queuedImages);
        long[] shape = model.inputShape();
        shape[0] = -1;
        this.input = new TensorSpec(model.inputName(), "FP32", shape);
        this.imageFloats = Arrays.stream(shape).skip(1).reduce(1, (a, b) -> a * b);
        CountDownLatch started = new CountDownLatch(config.instances());
        this.instances = new ArrayList<>();
        for (int i = 0; i < config.instances(); i++) {
            ServingInstance inst = new ServingInstance(i, model, config, batcher, metrics, started);
            instances.add(inst);
            threads.add(inst.newThread());
        }
        threads.forEach(Thread::start);
        try {
            started.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new QtuneException("interrupted while the serving instances started");
        }
        for (ServingInstance inst : instances) {
            if (inst.startFailure() != null) {
                close();
                Throwable t = inst.startFailure();
                if (t instanceof RuntimeException re) throw re;
                throw new QtuneException("a serving instance failed to start: " + t, t);
            }
        }
        BatchSizeCheck.Result check = instances.get(0).check();
        this.outputs = check.outputs();
        this.batchSizes = check.sizes();
        for (ServingInstance inst : instances) inst.useSizes(batchSizes);
    }

    /** Starts the instances, checks the batch sizes (compiling each) and returns once they take requests. */
    public static InferenceService start(Model model, ServiceConfig config) {
        return start(model, config, new SimpleMeterRegistry());
    }

    /** As {@link #start(Model, ServiceConfig)}, recording queue, batch and rejection metrics in {@code registry}. */
    public static InferenceService start(Model model, ServiceConfig config, MeterRegistry registry) {
        return new InferenceService(model, config, registry);
    }

    /**
     * Queues {@code count} images (NHWC floats, exactly count x image size) and returns the future of their outputs.
     * The future completes on an instance thread: attach work with the {@code ...Async} methods so the instance is
     * not held up. Throws {@link RejectedRequestException} at once when the queue is full or the service closing, and
     * a {@link QtuneException} for input of the wrong size or more images than the max batch.
     */
    public CompletableFuture<InferenceResult> submit(float[] images, int count) {
        if (images == null) throw new QtuneException("no images given");
        if (count < 1) throw new QtuneException("a request needs at least 1 image, got " + count);
        if (count > config.maxBatch()) {
            throw new QtuneException("a request of " + count + " images is larger than the max batch (" + config.maxBatch() + ")");
        }
        if (images.length != count * imageFloats) {
            throw new QtuneException("input '" + input.name() + "' needs " + count + " x " + imageFloats + " = "
                    + count * imageFloats + " floats for " + count + " images, got " + images.length);
        }
        PendingRequest r = new PendingRequest(images, count, System.nanoTime());
        try {
            batcher.offer(r);
        } catch (RejectedRequestException e) {
            metrics.rejected(e.reason());
            throw e;
        }
        return r.future;
    }

    /** Runs {@code count} images through the queue and waits for their outputs. */
    public InferenceResult infer(float[] images, int count) throws InterruptedException {
        try {
            return submit(images, count).get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) throw re;
            if (c instanceof Error err) throw err;
            throw new QtuneException("inference failed: " + c, c);
        }
    }

    public Model model() {
        return model;
    }

    public ServiceConfig config() {
        return config;
    }

    /** The input: the model's placeholder, FP32, shape [-1, H, W, C]. */
    public TensorSpec input() {
        return input;
    }

    /** The outputs, as the first warm-up run produced them. */
    public List<TensorSpec> outputs() {
        return outputs;
    }

    /**
     * The batch sizes in 1..maxBatch whose per-image outputs were bit-identical to batch 1 when the service started
     * (see {@link BatchSizeCheck}); a formed batch runs as chunks of these sizes, so results never depend on the batch.
     */
    public int[] identicalBatchSizes() {
        return batchSizes.clone();
    }

    /** Tests only: run batches in these sizes (1 among them) instead of the measured ones. */
    void useBatchSizes(int[] sizes) {
        batchSizes = sizes.clone();
        for (ServingInstance inst : instances) inst.useSizes(batchSizes);
    }

    /** Floats per image. */
    public long imageFloats() {
        return imageFloats;
    }

    /** Images waiting in the queue. */
    public int queuedImages() {
        return batcher.queuedImages();
    }

    /** True from start until {@link #close} begins. */
    public boolean isReady() {
        return !closed;
    }

    public ServeMetrics metrics() {
        return metrics;
    }

    /** Refuses new requests, answers every accepted one, then waits for the instances to stop. */
    @Override
    public void close() {
        closed = true;
        batcher.close();
        boolean interrupted = false;
        for (Thread t : threads) {
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true; // keep waiting: accepted requests must still be answered
                }
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
