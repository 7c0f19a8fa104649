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
    private volatile BatchSizeCheck.Result check;
    private volatile int[] sizes = {1};

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

    /**
     * Instance 0 runs the batch-size check (compiling every size for the instances' common team size); the others
     * compile batch 1 for their own thread. Batches run only after the service has set the chunk sizes.
     */
    private void warmUp() {
        if (index == 0) {
            check = BatchSizeCheck.run(model, config.maxBatch(), imageFloats);
        } else {
            model.run(new float[Math.toIntExact(imageFloats)], 1);
        }
    }

    BatchSizeCheck.Result check() {
        return check;
    }

    /** The batch sizes a formed batch is run in, ascending, 1 among them; set by the service before any batch. */
    void useSizes(int[] sizes) {
        this.sizes = sizes.clone();
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
        Rows out;
        try {
            out = runInIdenticalSizes(input, images);
        } catch (Throwable t) { // a failed batch fails its requests, not the instance
            for (PendingRequest r : batch) r.future.completeExceptionally(t);
            return;
        }
        metrics.batch(images, System.nanoTime() - start);
        int offset = 0;
        for (PendingRequest r : batch) {
            r.future.complete(out.slice(offset, r.count));
            offset += r.count;
        }
    }

    /**
     * Runs n images as consecutive chunks, each of the largest size that passed the batch-size check and fits, so
     * every image gets the bits it gets alone; the rows of the chunks are put back together.
     */
    private Rows runInIdenticalSizes(float[] input, int n) {
        int chunk = largestSize(n);
        if (chunk == n) return Rows.of(model.run(input, n), n);
        Rows rows = null;
        for (int done = 0; done < n; done += chunk) {
            chunk = largestSize(n - done);
            float[] part = java.util.Arrays.copyOfRange(input, Math.toIntExact(done * imageFloats),
                    Math.toIntExact((done + chunk) * imageFloats));
            Outputs o = model.run(part, chunk);
            if (rows == null) rows = Rows.allocate(o, chunk, n);
            rows.put(o, chunk, done);
        }
        return rows;
    }

    private int largestSize(int n) {
        int best = 1;
        for (int s : sizes) if (s <= n) best = s;
        return best;
    }

    /** Outputs of n images, rows of every batched output laid end to end. */
    record Rows(List<String> names, List<long[]> shapes, List<Object> data, int n) {
        static Rows of(Outputs o, int n) {
            List<String> names = o.names();
            List<long[]> shapes = new ArrayList<>();
            List<Object> data = new ArrayList<>();
            for (String name : names) {
                shapes.add(o.shape(name));
                data.add(o.isInteger(name) ? o.longs(name) : o.floats(name));
            }
            return new Rows(names, shapes, data, n);
        }

        static Rows allocate(Outputs first, int chunk, int n) {
            Rows r = of(first, chunk);
            for (int i = 0; i < r.names.size(); i++) {
                long[] shape = r.shapes.get(i);
                if (shape.length == 0 || shape[0] != chunk) {
                    throw new IllegalStateException("output '" + r.names.get(i) + "' has no batch dimension; cannot split batches");
                }
                int per = length(r.data.get(i)) / chunk;
                shape[0] = n;
                r.data.set(i, r.data.get(i) instanceof long[] ? new long[n * per] : new float[n * per]);
            }
            return new Rows(r.names, r.shapes, r.data, n);
        }

        void put(Outputs o, int chunk, int at) {
            for (int i = 0; i < names.size(); i++) {
                Object src = o.isInteger(names.get(i)) ? o.longs(names.get(i)) : o.floats(names.get(i));
                int per = length(src) / chunk;
                System.arraycopy(src, 0, data.get(i), at * per, chunk * per);
            }
        }

        InferenceResult slice(int offset, int count) {
            List<InferenceResult.Tensor> tensors = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
                long[] shape = shapes.get(i).clone();
                Object d = data.get(i);
                boolean batched = shape.length > 0 && shape[0] == n;
                int per = batched ? length(d) / n : 0;
                Object part;
                if (!batched) part = d instanceof long[] l ? l.clone() : ((float[]) d).clone();
                else if (d instanceof long[] l) part = java.util.Arrays.copyOfRange(l, offset * per, (offset + count) * per);
                else part = java.util.Arrays.copyOfRange((float[]) d, offset * per, (offset + count) * per);
                if (batched) shape[0] = count;
                tensors.add(new InferenceResult.Tensor(names.get(i), shape, part));
            }
            return new InferenceResult(count, tensors);
        }

        private static int length(Object d) {
            return d instanceof long[] l ? l.length : ((float[]) d).length;
        }
    }
}
