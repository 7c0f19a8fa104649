package io.qtune.loadgen;

import java.util.concurrent.locks.LockSupport;

/** Waiting until a System.nanoTime instant: park most of the way, spin the last stretch (park overshoots). */
final class Clock {
    private static final long SPIN_NS = 50_000;

    private Clock() {}

    static void sleepUntil(long deadline) {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            if (left > 2 * SPIN_NS) LockSupport.parkNanos(left - SPIN_NS);
            else Thread.onSpinWait();
        }
    }
}
