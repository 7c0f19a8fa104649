package io.qtune.serve;

import io.qtune.engine.Model;
import io.qtune.engine.Outputs;
import io.qtune.platform.Threads;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * One execution instance: a thread of its own whose OpenMP team is {@code threads} wide, taking batches from the
 * batcher and running them one at a time. Every OpenMP worker of its team is started by this thread, so the
 * process runs instances x threads compute threads in all.
 */
final class ServingInstance implements Runnable {
    /** Prefix of the instance threads' names (the kernel's task names, at most 15 characters, start with it too). */
    static final String THREAD_PREFIX = "qtune-inst-";

    private final int index;
    private final Model model;
    private final ServiceConfig config;
    private final DynamicBatcher batcher;
    private final ServeMetrics metrics;
    private final long imageFloats;
    private final CountDownLatch started;
    private volatile Throwable startFailure;
    private volatile List<TensorSpec> outputs;

    ServingInstance(int index, Model model, ServiceConfig config, DynamicBatcher batcher, ServeMetrics metrics,
                    CountDownLatch started) {
        this.index = index;
        this.model = model;
        this.config = config;
        this.batcher = batcher;
        this.metrics = metrics;
        this.started = started;
        long per = 1;
        long[] shape = model.inputShape();
        for (int i = 1; i < shape.length; i++) per *= shape[i];
        this.imageFloats = per;
    }

    Thread newThread() {
        Thread t = new Thread(this, THREAD_PREFIX + index);
        t.setDaemon(false); // accepted requests are answered even when main returns
        return t;
    }

    Throwable startFailure() {
        return startFailure;
    }

    /** The output signature seen in the first run (set before {@code started} counts down). */
    List<TensorSpec> outputs() {
        return outputs;
    }

    @Override
    public void run() {
        Threads.setTeamSize(config.threads()); // this thread's OpenMP team: its workers are this instance's only
        try {
            warmUp();
        } catch (Throwable t) {
            startFailure = t;
            started.countDown();
            return;
        }
        started.countDown();
        try {
            for (List<PendingRequest> batch = batcher.nextBatch(); !batch.isEmpty(); batch = batcher.nextBatch()) {
                execute(batch);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Compiles (and runs once) every batch size this instance can be given, so no request waits for a compile. */
    private void warmUp() {
        Outputs first = model.run(new float[Math.toIntExact(imageFloats)], 1);
        List<TensorSpec> specs = new ArrayList<>();
        for (String name : first.names()) {
            long[] shape = first.shape(name);
            if (shape.length > 0) shape[0] = -1;
            specs.add(new TensorSpec(name, first.isInteger(name) ? "INT64" : "FP32", shape));
        }
        outputs = List.copyOf(specs);
        if (!config.warmUp()) return;
        for (int b = 2; b <= config.maxBatch(); b++) model.run(new float[Math.toIntExact(b * imageFloats)], b);
    }

    private void execute(List<PendingRequest> batch) {
        int images = 0;
        for (PendingRequest r : batch) images += r.count;
        float[] input;
        if (batch.size() == 1) {
            input = batch.get(0).images;
        } else {
            input = new float[Math.toIntExact(images * imageFloats)];
            int at = 0;
            for (PendingRequest r : batch) {
                System.arraycopy(r.images, 0, input, at, r.images.length);
                at += r.images.length;
            }
        }
        long start = System.nanoTime();
        for (PendingRequest r : batch) metrics.queueWait(start - r.arrivedNanos);
        Outputs out;
        try {
            out = model.run(input, images);
        } catch (Throwable t) { // a failed batch fails its requests, not the instance
            for (PendingRequest r : batch) r.future.completeExceptionally(t);
            return;
        }
        metrics.batch(images, System.nanoTime() - start);
        int offset = 0;
        for (PendingRequest r : batch) {
            r.future.complete(slice(out, images, offset, r.count));
            offset += r.count;
        }
    }

    /** The rows [offset, offset + count) of every output whose first dimension is the batch. */
    static InferenceResult slice(Outputs out, int batch, int offset, int count) {
        List<InferenceResult.Tensor> tensors = new ArrayList<>();
        for (String name : out.names()) {
            long[] shape = out.shape(name);
            boolean batched = shape.length > 0 && shape[0] == batch;
            Object data = out.isInteger(name) ? out.longs(name) : out.floats(name);
            int length = data instanceof long[] l ? l.length : ((float[]) data).length;
            int per = batched ? length / batch : 0;
            Object part;
            if (!batched) part = data instanceof long[] l ? l.clone() : ((float[]) data).clone();
            else if (data instanceof long[] l) part = Arrays.copyOfRange(l, offset * per, (offset + count) * per);
            else part = Arrays.copyOfRange((float[]) data, offset * per, (offset + count) * per);
            if (batched) shape[0] = count;
            tensors.add(new InferenceResult.Tensor(name, shape, part));
        }
        return new InferenceResult(count, tensors);
    }
}
