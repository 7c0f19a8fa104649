package io.qtune.loadgen;

import io.qtune.QtuneException;
import io.qtune.engine.Model;
import io.qtune.engine.Outputs;
import io.qtune.platform.Threads;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The in-process system under test: a small dynamic batcher over one {@link Model} (thread-safe). Samples wait in
 * one queue; each of {@code instances} workers takes up to {@code maxBatch} of them, waiting at most
 * {@code maxDelayNs} after the first for more, runs them as one batch and answers each with its class.
 *
 * <p>Stand-in until the serving issue's embeddable {@code InferenceService} lands: then this adapter submits to
 * that service instead (its instances x threads, its batcher), and nothing else in LoadGen changes. Each worker
 * requests {@code threads} OpenMP threads for its runs ({@link Threads#setTeamSize}; 0: the default team).
 */
public final class ModelSystemUnderTest implements SystemUnderTest {
    /** Batching and parallelism of the in-process path. */
    public record Options(int instances, int threads, int maxBatch, long maxDelayNs) {
        public Options {
            if (instances < 1) throw new QtuneException("--instances must be at least 1, got " + instances);
            if (threads < 0) throw new QtuneException("--threads must not be negative, got " + threads);
            if (maxBatch < 1) throw new QtuneException("--max-batch must be at least 1, got " + maxBatch);
            if (maxDelayNs < 0) throw new QtuneException("--max-delay must not be negative");
        }
    }

    private record Pending(QuerySample sample, Responses responses) {}

    private static final Pending STOP = new Pending(null, null);

    private final Model model;
    private final QuerySampleLibrary qsl;
    private final String classOutput;
    private final boolean classIsScores;
    private final Options options;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final List<Thread> workers = new ArrayList<>();

    /**
     * @param classOutput the output that gives the class: an ArgMax output (one value per sample), or, when
     *                    {@code classIsScores}, a scores output (classes per sample) whose arg max is taken
     */
    public ModelSystemUnderTest(Model model, QuerySampleLibrary qsl, String classOutput, boolean classIsScores, Options options) {
        this.model = model;
        this.qsl = qsl;
        this.classOutput = classOutput;
        this.classIsScores = classIsScores;
        this.options = options;
        for (int i = 0; i < options.instances(); i++) {
            Thread t = new Thread(this::work, "loadgen-sut-" + i);
            t.setDaemon(true);
            t.start();
            workers.add(t);
        }
    }

    @Override
    public String name() {
        return "qtune-inprocess (instances " + options.instances() + ", threads " + (options.threads() > 0 ? options.threads() : "default")
                + ", max batch " + options.maxBatch() + ")";
    }

    @Override
    public void issue(List<QuerySample> samples, Responses responses) {
        for (QuerySample s : samples) queue.add(new Pending(s, responses));
    }

    /**
     * Compiles every batch size the batcher can form, at the workers' team size (the engine keeps a program per
     * batch and team size), so no compile falls into the timed run.
     */
    @Override
    public void warmUp() {
        int per = qsl.sampleElements();
        RuntimeException[] failed = new RuntimeException[1];
        Thread t = new Thread(() -> {
            try {
                if (options.threads() > 0) Threads.setTeamSize(options.threads());
                for (int b = 1; b <= options.maxBatch(); b++) model.run(new float[per * b], b);
            } catch (RuntimeException e) {
                failed[0] = e;
            }
        }, "loadgen-sut-warmup");
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QtuneException("interrupted during warm-up");
        }
        if (failed[0] != null) throw failed[0];
    }

    private void work() {
        if (options.threads() > 0) Threads.setTeamSize(options.threads());
        int per = qsl.sampleElements();
        List<Pending> batch = new ArrayList<>(options.maxBatch());
        while (true) {
            batch.clear();
            Pending first;
            try {
                first = queue.take();
                if (first == STOP) {
                    queue.add(STOP); // for the next worker
                    return;
                }
                batch.add(first);
                long deadline = System.nanoTime() + options.maxDelayNs();
                while (batch.size() < options.maxBatch()) {
                    Pending p = queue.poll(); // take what is already there without waiting
                    if (p == null) {
                        long left = deadline - System.nanoTime();
                        if (left <= 0) break;
                        p = queue.poll(left, TimeUnit.NANOSECONDS);
                        if (p == null) break;
                    }
                    if (p == STOP) {
                        queue.add(STOP); // the other workers stop too, after this batch
                        break;
                    }
                    batch.add(p);
                }
            } catch (InterruptedException e) {
                return;
            }
            run(batch, per);
        }
    }

    private void run(List<Pending> batch, int per) {
        int n = batch.size();
        try {
            float[] input = new float[per * n];
            for (int i = 0; i < n; i++) System.arraycopy(qsl.sample(batch.get(i).sample().index()), 0, input, i * per, per);
            Outputs out = model.run(input, n);
            float[] classes = classes(out, n);
            for (int i = 0; i < n; i++) batch.get(i).responses().complete(batch.get(i).sample(), new float[] {classes[i]});
        } catch (RuntimeException e) {
            for (Pending p : batch) p.responses().fail(p.sample(), e);
        }
    }

    private float[] classes(Outputs out, int n) {
        float[] c = new float[n];
        if (classIsScores) {
            float[] s = out.floats(classOutput);
            int k = s.length / n;
            for (int i = 0; i < n; i++) {
                int best = 0;
                for (int j = 1; j < k; j++) if (s[i * k + j] > s[i * k + best]) best = j;
                c[i] = best;
            }
        } else if (out.isInteger(classOutput)) {
            long[] l = out.longs(classOutput);
            for (int i = 0; i < n; i++) c[i] = l[i];
        } else {
            float[] f = out.floats(classOutput);
            System.arraycopy(f, 0, c, 0, n);
        }
        return c;
    }

    /** Stops the workers (after their current batch); the model stays open: its owner closes it. */
    @Override
    public void close() {
        queue.add(STOP);
        for (Thread t : workers) {
            try {
                t.join(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
