package io.qtune.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.qtune.QtuneException;
import io.qtune.engine.Model;
import io.qtune.engine.Outputs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InferenceServiceTest {
    private static final int IMAGES = 24;

    @Test
    void fp32OutputsAreThoseOfTheImageAloneWhateverTheBatch() throws Exception {
        outputsAreThoseOfTheImageAlone(ServeFixtures.fp32Model());
    }

    @Test
    void int8OutputsAreThoseOfTheImageAloneWhateverTheBatch() throws Exception {
        outputsAreThoseOfTheImageAlone(ServeFixtures.int8Model());
    }

    /**
     * 6 client threads submit requests of 1 to 3 images (48 requests) to 2 instances x 1 thread, max batch 4, 20 ms
     * delay, so requests share batches of every size; each request's outputs must equal model.run on each of its
     * images alone, bit for bit, with the reference computed at team size 1 and at team size 2.
     */
    /**
     * On the proxy every size is identical, so the chunked path is forced here: sizes {1, 3} make a batch of 4 run as
     * 3 + 1 and a batch of 2 as 1 + 1, and the answers must still be model.run's alone.
     */
    @Test
    void batchesRunAsChunksOfTheIdenticalSizes() throws Exception {
        outputsAreThoseOfTheImageAlone(ServeFixtures.fp32Model(), new int[] {1, 3});
    }

    private static void outputsAreThoseOfTheImageAlone(Path file) throws Exception {
        outputsAreThoseOfTheImageAlone(file, null);
    }

    private static void outputsAreThoseOfTheImageAlone(Path file, int[] forcedSizes) throws Exception {
        try (Model model = Model.load(file)) {
            float[][] images = new float[IMAGES][];
            Outputs[] alone1 = new Outputs[IMAGES], alone2 = new Outputs[IMAGES];
            for (int i = 0; i < IMAGES; i++) {
                images[i] = ServeFixtures.image(100 + i);
                alone1[i] = ServeFixtures.runAlone(model, images[i], 1);
                alone2[i] = ServeFixtures.runAlone(model, images[i], 2);
            }
            int teamDiffers = 0;
            for (int i = 0; i < IMAGES; i++) {
                if (!ServeFixtures.sameBits(alone1[i].floats("softmax_tensor"), alone2[i].floats("softmax_tensor"))) teamDiffers++;
            }
            System.out.printf("%s: %d of %d images give other softmax bits at team 1 than at team 2%n", file.getFileName(), teamDiffers, IMAGES);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            ServiceConfig config = new ServiceConfig(2, 1, 4, Duration.ofMillis(20), 128);
            List<int[]> plans = new ArrayList<>();
            List<CompletableFuture<InferenceResult>> futures = new ArrayList<>();
            try (InferenceService service = InferenceService.start(model, config, registry)) {
                System.out.printf("%s: sizes bit-identical to batch 1: %s%n", file.getFileName(), Arrays.toString(service.identicalBatchSizes()));
                assertEquals(1, service.identicalBatchSizes()[0]);
                if (forcedSizes != null) service.useBatchSizes(forcedSizes);
                ExecutorService clients = Executors.newFixedThreadPool(6);
                List<Future<?>> done = new ArrayList<>();
                for (int c = 0; c < 6; c++) {
                    int client = c;
                    done.add(clients.submit(() -> {
                        for (int k = 0; k < 8; k++) {
                            int count = 1 + (client + k) % 3;
                            int[] which = new int[count];
                            float[] in = new float[count * ServeFixtures.IMAGE_FLOATS];
                            for (int j = 0; j < count; j++) {
                                which[j] = (client * 7 + k * 5 + j) % IMAGES;
                                System.arraycopy(images[which[j]], 0, in, j * ServeFixtures.IMAGE_FLOATS, ServeFixtures.IMAGE_FLOATS);
                            }
                            CompletableFuture<InferenceResult> f = service.submit(in, count);
                            synchronized (plans) {
                                plans.add(which);
                                futures.add(f);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) f.get(120, TimeUnit.SECONDS);
                clients.shutdown();
                for (int r = 0; r < futures.size(); r++) {
                    InferenceResult res = futures.get(r).get(120, TimeUnit.SECONDS);
                    int[] which = plans.get(r);
                    assertEquals(which.length, res.images());
                    float[] soft = res.floats("softmax_tensor");
                    long[] arg = argMax(res);
                    assertEquals(which.length, arg.length);
                    int classes = soft.length / which.length;
                    for (int j = 0; j < which.length; j++) {
                        float[] mine = Arrays.copyOfRange(soft, j * classes, (j + 1) * classes);
                        assertTrue(ServeFixtures.sameBits(alone1[which[j]].floats("softmax_tensor"), mine),
                                "request " + r + " image " + j + " differs from model.run alone at team 1");
                        assertEquals(argMax(alone1[which[j]]), arg[j]);
                    }
                }
            }
            double maxBatch = registry.get("qtune.batch.size").summary().max();
            long batches = registry.get("qtune.batch.size").summary().count();
            System.out.printf("%s: %d requests in %d batches, largest %d images%n", file.getFileName(), futures.size(), batches, (int) maxBatch);
            assertEquals(48, futures.size());
            assertTrue(maxBatch >= 2, "no two requests shared a batch, so the test proved nothing");
            assertTrue(batches < 48, "requests never shared batches");
        }
    }

    /** The ArgMax output as longs: int64 in the FP32 graph, float (the Cast) in the INT8 graph. */
    private static long[] argMax(InferenceResult r) {
        if (r.tensor("ArgMax").isInteger()) return r.longs("ArgMax");
        float[] f = r.floats("ArgMax");
        long[] l = new long[f.length];
        for (int i = 0; i < f.length; i++) l[i] = (long) f[i];
        return l;
    }

    private static long argMax(Outputs o) {
        return o.isInteger("ArgMax") ? o.longs("ArgMax")[0] : (long) o.floats("ArgMax")[0];
    }

    @Test
    void aFullQueueRefusesAtOnceAndTheQueuedRequestsStillComplete() throws Exception {
        try (Model model = Model.load(ServeFixtures.fp32Model())) {
            // max batch 2, queue 2 images, 10 s delay: the first single image waits for company and holds 1 slot
            ServiceConfig config = new ServiceConfig(1, 1, 2, Duration.ofSeconds(10), 2);
            try (InferenceService service = InferenceService.start(model, config)) {
                CompletableFuture<InferenceResult> first = service.submit(ServeFixtures.image(1), 1);
                float[] two = new float[2 * ServeFixtures.IMAGE_FLOATS];
                long t0 = System.nanoTime();
                RejectedRequestException e = assertThrows(RejectedRequestException.class, () -> service.submit(two, 2));
                assertTrue(System.nanoTime() - t0 < 1_000_000_000L, "the refusal must not wait");
                assertEquals(RejectedRequestException.Reason.QUEUE_FULL, e.reason());
                assertTrue(e.getMessage().contains("queue is full"), e.getMessage());
                CompletableFuture<InferenceResult> second = service.submit(ServeFixtures.image(2), 1); // fills the batch
                assertEquals(1, first.get(60, TimeUnit.SECONDS).images());
                assertEquals(1, second.get(60, TimeUnit.SECONDS).images());
                assertEquals(1.0, service.metrics().registry().get("qtune.rejections").tag("reason", "queue_full").counter().count());
            }
        }
    }

    @Test
    void closeAnswersAcceptedRequestsAndRefusesNewOnes() throws Exception {
        try (Model model = Model.load(ServeFixtures.fp32Model())) {
            Outputs ref = ServeFixtures.runAlone(model, ServeFixtures.image(3), 1);
            // a 30 s delay: without the drain, close would wait for it
            InferenceService service = InferenceService.start(model, new ServiceConfig(1, 1, 8, Duration.ofSeconds(30), 64));
            List<CompletableFuture<InferenceResult>> accepted = new ArrayList<>();
            for (int i = 0; i < 5; i++) accepted.add(service.submit(ServeFixtures.image(3), 1));
            long t0 = System.nanoTime();
            service.close();
            assertTrue(System.nanoTime() - t0 < 20_000_000_000L, "close waited for the batch delay");
            for (CompletableFuture<InferenceResult> f : accepted) {
                assertTrue(f.isDone(), "close returned before answering an accepted request");
                assertTrue(ServeFixtures.sameBits(ref.floats("softmax_tensor"), f.get().floats("softmax_tensor")));
            }
            assertEquals(RejectedRequestException.Reason.CLOSED,
                    assertThrows(RejectedRequestException.class, () -> service.submit(ServeFixtures.image(3), 1)).reason());
            assertTrue(!service.isReady());
        }
    }

    @Test
    void badInputIsRefusedWithAMessage() throws Exception {
        try (Model model = Model.load(ServeFixtures.fp32Model());
             InferenceService service = InferenceService.start(model, new ServiceConfig(1, 1, 2, Duration.ZERO, 8))) {
            assertTrue(assertThrows(QtuneException.class, () -> service.submit(new float[10], 1)).getMessage().contains("6912"));
            assertTrue(assertThrows(QtuneException.class, () -> service.submit(new float[3 * ServeFixtures.IMAGE_FLOATS], 3))
                    .getMessage().contains("max batch"));
            assertThrows(QtuneException.class, () -> service.submit(null, 1));
            // the service still works
            assertEquals(1, service.infer(ServeFixtures.image(4), 1).images());
            assertThrows(QtuneException.class, () -> new ServiceConfig(0, 1, 1, Duration.ZERO, 1));
            assertThrows(QtuneException.class, () -> new ServiceConfig(1, 1, 8, Duration.ZERO, 4));
        }
    }

    /**
     * Each instance's OpenMP workers are started by its own thread and inherit its name, so the tasks named after the
     * instances are all the compute threads: 2 instances x 1 thread must be 2 (not 2 x OMP_NUM_THREADS), and 1 x 2
     * at most 2 (the adaptive team may run 1 when other processes take a core).
     */
    @Test
    void instancesTimesThreadsComputeThreads() throws Exception {
        try (Model model = Model.load(ServeFixtures.fp32Model())) {
            int[] twoByOne = computeThreads(model, 2, 1);
            int[] oneByTwo = computeThreads(model, 1, 2);
            System.out.printf("compute threads (instance-named tasks / whole process): 2x1 %d / %d, 1x2 %d / %d%n",
                    twoByOne[0], twoByOne[1], oneByTwo[0], oneByTwo[1]);
            assertEquals(2, twoByOne[0]);
            assertTrue(oneByTwo[0] >= 1 && oneByTwo[0] <= 2, "1x2 ran " + oneByTwo[0]);
        }
    }

    private static int[] computeThreads(Model model, int instances, int threads) throws Exception {
        try (InferenceService service = InferenceService.start(model, new ServiceConfig(instances, threads, 4, Duration.ofMillis(1), 64))) {
            List<CompletableFuture<InferenceResult>> fs = new ArrayList<>();
            for (int i = 0; i < 40; i++) fs.add(service.submit(i % 2 == 0 ? ServeFixtures.image(i) : new float[2 * ServeFixtures.IMAGE_FLOATS], 1 + i % 2));
            for (CompletableFuture<InferenceResult> f : fs) f.get(60, TimeUnit.SECONDS);
            System.out.println("tasks: " + ServeFixtures.taskNames());
            return new int[] {ServeFixtures.instanceTasks(), ServeFixtures.processThreads()};
        }
    }
}
