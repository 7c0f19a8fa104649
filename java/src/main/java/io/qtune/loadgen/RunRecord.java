package io.qtune.loadgen;

/**
 * What a timed run measured.
 *
 * @param queries queries issued (and completed)
 * @param samples samples issued
 * @param sampleLatenciesNs per sample, from its query's start to its completion
 * @param queryLatenciesNs per query, from its start to its last sample
 * @param durationNs the length that counts for the minimum duration, as LoadGen measures it per scenario
 *                   (Server: the last query's scheduled time; Single/MultiStream: the last query's issue time;
 *                   Offline: the longest sample latency)
 * @param wallNs from the first issue to the last completion
 * @param scheduledQps Server: the schedule's rate, (queries - 1) / last scheduled time; otherwise 0
 * @param abortedReason why the run stopped before its schedule ended (peak search gives up on a run that is
 *                      already certain to be INVALID), or null
 */
public record RunRecord(int queries, int samples, long[] sampleLatenciesNs, long[] queryLatenciesNs,
                        long durationNs, long wallNs, double scheduledQps, String abortedReason) {
    public RunRecord(int queries, int samples, long[] sampleLatenciesNs, long[] queryLatenciesNs, long durationNs,
                     long wallNs, double scheduledQps) {
        this(queries, samples, sampleLatenciesNs, queryLatenciesNs, durationNs, wallNs, scheduledQps, null);
    }

    /** Samples completed per second of the run. */
    public double completedSamplesPerSecond() {
        return wallNs <= 0 ? 0 : samples / (wallNs / 1e9);
    }
}
