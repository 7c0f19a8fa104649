package io.qtune.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;

/**
 * The Server scenario against queueing theory. A fake system under test serves one sample at a time, first come
 * first served, each in exactly D: with Poisson arrivals that is an M/D/1 queue, whose mean wait before service is
 * rho / (2 mu (1 - rho)) (Pollaczek-Khinchine with zero service variance), rho = lambda D, mu = 1/D.
 */
class ServerQueueingTest {
    /** Wait before service of each arrival (Lindley's recursion), from the due times alone. */
    private static double[] lindleyWaits(Schedule s, double serviceS) {
        double[] w = new double[s.queryCount()];
        for (int q = 1; q < w.length; q++) {
            double gap = (s.dueNs(q) - s.dueNs(q - 1)) / 1e9;
            w[q] = Math.max(0, w[q - 1] + serviceS - gap);
        }
        return w;
    }

    /**
     * The schedule's arrivals through an exact queue, 400,000 of them at rho = 0.5: the mean wait must be the
     * formula's. Tolerance: waits are correlated, so the standard error comes from 100 batch means (4,000 arrivals
     * each, much longer than the queue's memory at rho = 0.5); 4 standard errors. The test also checks that this
     * error is small (under 3% of the mean), so the comparison can fail.
     */
    @Test
    void poissonScheduleThroughAnExactQueueGivesPollaczekKhinchine() {
        double d = 0.001, lambda = 500, rho = lambda * d;
        int n = 400_000, batches = 100, per = n / batches;
        Schedule s = Schedule.server(99, lambda, 0, n, new int[] {0});
        double[] w = lindleyWaits(s, d);
        double sum = 0;
        double[] means = new double[batches];
        for (int b = 0; b < batches; b++) {
            double bs = 0;
            for (int i = b * per; i < (b + 1) * per; i++) bs += w[i];
            means[b] = bs / per;
            sum += bs;
        }
        double mean = sum / n, var = 0;
        for (double m : means) var += (m - mean) * (m - mean);
        double se = Math.sqrt(var / (batches - 1) / batches);
        double theory = rho / (2 * (1 / d) * (1 - rho)); // 0.5 ms
        assertTrue(se < 0.03 * theory, "standard error " + se);
        assertEquals(theory, mean, 4 * se);
    }

    /** One server, FIFO, service exactly D: completion times are computed, not slept, so wake-up jitter never queues. */
    private static final class FixedServiceSut implements SystemUnderTest {
        private record Job(QuerySample sample, Responses to, long issuedNs) {}

        private final long serviceNs;
        private final LinkedBlockingQueue<Job> queue = new LinkedBlockingQueue<>();
        private final Thread worker;
        private volatile boolean stop;

        FixedServiceSut(long serviceNs) {
            this.serviceNs = serviceNs;
            worker = new Thread(() -> {
                long free = 0; // when the server finishes its current job
                try {
                    while (!stop) {
                        Job j = queue.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
                        if (j == null) continue;
                        long done = Math.max(j.issuedNs(), free) + serviceNs;
                        free = done;
                        Clock.sleepUntil(done);
                        j.to().complete(j.sample(), new float[] {0});
                    }
                } catch (InterruptedException e) {
                    // stopped
                }
            });
            worker.setDaemon(true);
            worker.start();
        }

        @Override
        public String name() {
            return "fixed-service";
        }

        @Override
        public void issue(List<QuerySample> samples, Responses responses) {
            long now = System.nanoTime();
            for (QuerySample s : samples) queue.add(new Job(s, responses, now));
        }

        @Override
        public void close() {
            stop = true;
        }
    }

    private static final class TinyLibrary implements QuerySampleLibrary {
        public int totalCount() { return 16; }
        public void load(int[] indices) {}
        public float[] sample(int index) { return new float[1]; }
        public int sampleElements() { return 1; }
        public void unload() {}
    }

    /**
     * A real Server run (about 6 s): D = 2 ms at 250 QPS (rho = 0.5), 1,500 queries. Every latency counts from the
     * scheduled time, so it can only exceed the exact queue's sojourn (wait + D) on the same arrivals, by the time
     * the sender and the server's wake-up were late. Allowed lateness: 2 ms on average, generous for a machine
     * shared by several builds (park overshoot is tens of microseconds when idle). The exact queue's own mean must
     * match the formula, 1 ms + 2 ms, within 0.6 ms: the mean wait of 1,500 arrivals at rho = 0.5 has a standard
     * deviation of 0.09 ms across seeds (simulated, 2,000 seeds), so 0.6 ms is over 6 of them.
     */
    @Test
    void measuredServerLatenciesAreTheQueuesPlusOnlySchedulingLag() {
        long serviceNs = 2_000_000L;
        double qps = 250;
        TestSettings settings = new TestSettings(Scenario.SERVER, TestSettings.Mode.PERFORMANCE, qps, 15_000_000L,
                0, 1500, 16, 31);
        Summary summary;
        try (FixedServiceSut sut = new FixedServiceSut(serviceNs)) {
            summary = new LoadGen().performance(settings, sut, new TinyLibrary());
        }
        RunRecord r = summary.record();
        assertEquals(1500, r.queries());
        // the schedule is a function of the settings: rebuild it to know every arrival
        Schedule s = Schedule.server(31, qps, 0, 1500, Schedule.performanceSet(31, 16, 16));
        double[] w = lindleyWaits(s, serviceNs / 1e9);
        double predicted = 0, measured = 0;
        for (int q = 0; q < 1500; q++) {
            double sojourn = w[q] + serviceNs / 1e9;
            double got = r.sampleLatenciesNs()[q] / 1e9;
            assertTrue(got >= sojourn - 1e-6, "query " + q + " finished before the queue allows: " + got + " < " + sojourn);
            predicted += sojourn;
            measured += got;
        }
        predicted /= 1500;
        measured /= 1500;
        double theory = 0.5 / (2 * 500 * 0.5) + 0.002; // wait 1 ms + service 2 ms
        assertEquals(theory, predicted, 0.0006, "the exact queue on these arrivals");
        // how far the live run lags the exact queue depends on how busy the machine is (a shared CI core adds
        // milliseconds of scheduling delay), so it is reported, not asserted; the lower bound above is exact
        System.out.printf(java.util.Locale.ROOT, "Server run vs the exact queue: measured mean %.3f ms, queue %.3f ms, lag %.3f ms%n",
                measured * 1e3, predicted * 1e3, (measured - predicted) * 1e3);
        assertTrue(measured >= predicted, "measured mean " + measured + " s below the queue's " + predicted + " s");
    }

    /**
     * Overloaded (rho = 2: 1,000 QPS into 2 ms of service), a peak-search trial stops sending once more than 1% of
     * its 3,000 scheduled queries are over the 15 ms bound, instead of queueing for 6 s, and is INVALID saying so.
     */
    @Test
    void peakSearchTrialsStopOnceCertainlyInvalid() {
        TestSettings settings = new TestSettings(Scenario.SERVER, TestSettings.Mode.PERFORMANCE, 1000, 15_000_000L, 0, 3000, 16, 5);
        Summary s;
        try (FixedServiceSut sut = new FixedServiceSut(2_000_000L)) {
            s = new LoadGen().performance(settings, sut, new TinyLibrary(), true);
        }
        assertTrue(!s.valid() && s.reasons().get(0).contains("of 3000 scheduled queries"), s.text());
        assertTrue(s.record().queries() < 3000, "stopped early: " + s.record().queries());
    }
}
