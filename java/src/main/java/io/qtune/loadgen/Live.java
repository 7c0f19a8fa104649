package io.qtune.loadgen;

import java.util.Locale;

/** What a run is doing now, for a progress line: read from another thread while the run goes on. */
public final class Live {
    private volatile String phase = "starting";
    private volatile long startNs;
    private volatile long plannedNs;
    private volatile int issued;
    private volatile int planned;
    private volatile Tracker tracker;

    void begin(String phase, long startNs, long plannedNs, int plannedQueries, Tracker tracker) {
        this.startNs = startNs;
        this.plannedNs = plannedNs;
        this.planned = plannedQueries;
        this.issued = 0;
        this.tracker = tracker;
        this.phase = phase;
    }

    void phase(String phase) {
        this.phase = phase;
        this.tracker = null;
    }

    void issued(int n) {
        issued = n;
    }

    /** One line: phase, elapsed of planned seconds, queries issued and done, samples done per second. */
    public String line() {
        Tracker t = tracker;
        if (t == null) return phase;
        double s = Math.max((System.nanoTime() - startNs) / 1e9, 0);
        return String.format(Locale.ROOT, "%s %.1f/%.0f s  queries issued %d/%d done %d  %.1f samples/s", phase, s,
                plannedNs / 1e9, issued, planned, t.queriesDone(), s > 0 ? t.samplesDone() / s : 0.0);
    }
}
