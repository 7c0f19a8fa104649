package io.qtune.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.Json;
import io.qtune.QtuneException;
import io.qtune.report.BenchRatio;
import io.qtune.report.BenchResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchmarkTest {
    /** A clock that only moves when a fake engine "works". */
    static final class FakeClock {
        long now;
    }

    /** Takes perImageNanos x batch per run, every third run twice as long; logs the order it was called in. */
    record FakeEngine(String name, long perImageNanos, FakeClock clock, List<String> log) implements BenchEngine {
        @Override
        public void run(float[] images, int batch) {
            assertEquals(batch * 3, images.length);
            long runs = log.stream().filter(s -> s.equals(name + "@" + batch)).count();
            log.add(name + "@" + batch);
            clock.now += perImageNanos * batch * (runs % 3 == 2 ? 2 : 1);
        }

        @Override
        public void close() {}
    }

    @Test
    void roundRobinMeasuresEveryPairAndComputesStatistics() {
        FakeClock clock = new FakeClock();
        List<String> log = new ArrayList<>();
        List<BenchEngine> engines = List.of(new FakeEngine("onednn-fp32", 10_000_000, clock, log),
                new FakeEngine("tf-fp32", 20_000_000, clock, log));
        Benchmark b = new Benchmark(engines, List.of(1, 4), new Benchmark.Timing(1.0, 0.1, 0.25), n -> new float[n * 3],
                () -> clock.now);
        List<BenchResult> results = b.run();
        assertEquals(4, results.size());
        for (BenchResult r : results) assertTrue(r.seconds() >= 1.0, r.toString());

        BenchResult fast1 = results.stream().filter(r -> r.engine().equals("onednn-fp32") && r.batch() == 1).findFirst().orElseThrow();
        // runs cost 10, 10, 20 ms in turn: median 10 ms, p90 20 ms, 3 images per 40 ms
        assertEquals(10.0, fast1.latencyMsP50(), 1e-9);
        assertEquals(20.0, fast1.latencyMsP90(), 1e-9);
        assertEquals(75.0, fast1.imagesPerSecond(), 3.0);
        BenchResult slow4 = results.stream().filter(r -> r.engine().equals("tf-fp32") && r.batch() == 4).findFirst().orElseThrow();
        assertEquals(80.0, slow4.latencyMsP50(), 1e-9);

        // slices alternate between pairs: the log switches engine or batch many times, not once per pair
        int switches = 0;
        for (int i = 1; i < log.size(); i++) if (!log.get(i).equals(log.get(i - 1))) switches++;
        assertTrue(switches >= 4 * 4, "expected round-robin slices, got " + switches + " switches");

        List<BenchRatio> ratios = Benchmark.ratios(results);
        assertEquals(2, ratios.size());
        for (BenchRatio q : ratios) {
            assertEquals(2.0, q.imagesPerSecondRatio(), 0.15);
            assertEquals(0.5, q.latencyP50Ratio(), 1e-9);
        }
        String table = Benchmark.table(results);
        assertTrue(table.contains("ratio onednn-fp32 / tf-fp32 at batch 4: 2.00x images/s, 0.50x p50 latency"), table);
    }

    @Test
    void jsonHasOneObjectPerResultAndRatio() {
        List<BenchResult> results = List.of(new BenchResult("onednn-fp32", 1, 25, 40, 41, 10, 0.4),
                new BenchResult("tf-fp32", 1, 20, 50, 52, 8, 0.4));
        String json = Benchmark.json(results, "a \"quoted\" path\\x.pb", null);
        assertEquals("""
                {
                  "model": "a \\"quoted\\" path\\\\x.pb",
                  "results": [
                    {
                      "engine": "onednn-fp32",
                      "batch": 1,
                      "images_per_second": 25,
                      "latency_ms_p50": 40,
                      "latency_ms_p90": 41,
                      "runs": 10,
                      "seconds": 0.4
                    },
                    {
                      "engine": "tf-fp32",
                      "batch": 1,
                      "images_per_second": 20,
                      "latency_ms_p50": 50,
                      "latency_ms_p90": 52,
                      "runs": 8,
                      "seconds": 0.4
                    }
                  ],
                  "ratios": [
                    {
                      "numerator": "onednn-fp32",
                      "denominator": "tf-fp32",
                      "batch": 1,
                      "images_per_second_ratio": 1.25,
                      "latency_p50_ratio": 0.8
                    }
                  ]
                }
                """, json);
        @SuppressWarnings("unchecked")
        Map<String, Object> back = (Map<String, Object>) Json.parse(json, "bench.json");
        assertEquals("a \"quoted\" path\\x.pb", back.get("model"));
    }

    @Test
    void badSettingsAreRejected() {
        assertThrows(QtuneException.class, () -> new Benchmark.Timing(0, 1, 1));
        assertThrows(QtuneException.class, () -> new Benchmark.Timing(1, -1, 1));
        FakeClock clock = new FakeClock();
        List<BenchEngine> one = List.of(new FakeEngine("x", 1, clock, new ArrayList<>()));
        assertThrows(QtuneException.class, () -> new Benchmark(one, List.of(0), new Benchmark.Timing(1, 0, 1), n -> new float[3]));
        assertThrows(QtuneException.class, () -> BenchEngines.open("onednn-int3", null));
    }

    /** Records which thread ran it and that thread's requested OpenMP team; takes a fixed wall time per image. */
    record ThreadRecordingEngine(String name, long perImageNanos, java.util.Set<String> threads, java.util.Set<Integer> teams,
                                 java.util.concurrent.atomic.AtomicInteger running, java.util.concurrent.atomic.AtomicInteger overlap)
            implements BenchEngine {
        @Override
        public void run(float[] images, int batch) {
            threads.add(Thread.currentThread().getName());
            teams.add(io.qtune.platform.Threads.teamSize());
            if (running.incrementAndGet() > 1) overlap.incrementAndGet();
            long end = System.nanoTime() + perImageNanos * batch;
            while (System.nanoTime() < end) Thread.onSpinWait();
            running.decrementAndGet();
        }

        @Override
        public void close() {}
    }

    @Test
    void instancesRunTheirCopiesAtOnceOnThreadsOfTheirOwnWithTheirTeamAndSumTheirThroughput() {
        java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.Set<Integer> teams = java.util.concurrent.ConcurrentHashMap.newKeySet();
        var running = new java.util.concurrent.atomic.AtomicInteger();
        var overlap = new java.util.concurrent.atomic.AtomicInteger();
        List<BenchEngine> copies = List.of(new ThreadRecordingEngine("onednn-fp32", 200_000, threads, teams, running, overlap),
                new ThreadRecordingEngine("onednn-fp32", 200_000, threads, teams, running, overlap),
                new ThreadRecordingEngine("onednn-fp32", 200_000, threads, teams, running, overlap));
        Benchmark b = new Benchmark(List.of(copies), 1, List.of(1, 2), new Benchmark.Timing(0.05, 0.01, 0.01), n -> new float[n * 3]);
        List<BenchResult> results = b.run();
        assertEquals(2, results.size());
        assertEquals(java.util.Set.of("qtune-bench-instance-0", "qtune-bench-instance-1", "qtune-bench-instance-2"), threads);
        assertEquals(java.util.Set.of(1), teams, "each instance thread runs with a team of --threads");
        assertTrue(overlap.get() > 0, "the copies ran at the same time");
        for (BenchResult r : results) {
            assertEquals(3, r.instances());
            assertEquals(1, r.threadsPerInstance());
            assertEquals(3, r.instanceImagesPerSecond().size());
            assertEquals(r.instanceImagesPerSecond().stream().mapToDouble(Double::doubleValue).sum(), r.imagesPerSecond(), 1e-9);
            assertTrue(r.seconds() >= 0.05, r.toString());
        }
        assertTrue(Benchmark.table(results).contains("onednn-fp32 batch 2, 3 instances x 1 threads: "), Benchmark.table(results));
        FakeClock clock = new FakeClock();
        List<List<BenchEngine>> uneven = List.of(List.of(new FakeEngine("x", 1, clock, new ArrayList<>())), List.of());
        assertThrows(QtuneException.class, () -> new Benchmark(uneven, 1, List.of(1), new Benchmark.Timing(1, 0, 1), n -> new float[3]));
    }
}
