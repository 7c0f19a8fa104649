package io.qtune.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;

/**
 * Progress on stderr. On a terminal: one bar redrawn in place ({@code \r}) a few times a second. Otherwise (a log
 * file, a pipe, CI) whole newline-terminated lines, at most one per {@link #PLAIN_INTERVAL_NANOS}, so progress never
 * shares a line with the log lines around it. The rate counts only images done since the first update, over the time
 * since then: the first update has no interval behind it (a rate from it read 20 million img/s).
 */
final class Progress implements IntConsumer {
    static final long TERMINAL_INTERVAL_NANOS = 250_000_000L;
    static final long PLAIN_INTERVAL_NANOS = 10_000_000_000L;
    /** Below this much time since the first update a rate is noise; none is shown. */
    static final long MIN_RATE_NANOS = 500_000_000L;

    private final PrintWriter err;
    private final String label;
    private final int total;
    private final boolean terminal;
    private final LongSupplier clock;
    private long firstTime, lastDraw;
    private int firstDone = -1, lastDone, drawnDone = -1;

    Progress(PrintWriter err, String label, int total) {
        this(err, label, total, stderrIsTerminal(), System::nanoTime);
    }

    Progress(PrintWriter err, String label, int total, boolean terminal, LongSupplier clock) {
        this.err = err;
        this.label = label;
        this.total = total;
        this.terminal = terminal;
        this.clock = clock;
    }

    /** No console means stdin or stdout is not a terminal; then stderr is treated as a log. */
    static boolean stderrIsTerminal() {
        return System.console() != null;
    }

    boolean terminal() {
        return terminal;
    }

    @Override
    public void accept(int done) {
        long now = clock.getAsLong();
        lastDone = done;
        if (firstDone < 0) {
            firstDone = done;
            firstTime = now;
        } else if (done < total && now - lastDraw < (terminal ? TERMINAL_INTERVAL_NANOS : PLAIN_INTERVAL_NANOS)) {
            return;
        }
        if (done == drawnDone) return;
        draw(done, now);
    }

    private void draw(int done, long now) {
        lastDraw = now;
        drawnDone = done;
        String rate = "";
        if (now - firstTime >= MIN_RATE_NANOS && done > firstDone) {
            rate = String.format(Locale.ROOT, "  %.1f img/s", (done - firstDone) / ((now - firstTime) / 1e9));
        }
        if (terminal) {
            int width = 30, filled = total <= 0 ? width : (int) Math.min(width, (long) width * done / total);
            err.printf(Locale.ROOT, "\r%s [%s%s] %d/%d%s", label, "#".repeat(filled), " ".repeat(width - filled), done, total, rate);
        } else {
            err.printf(Locale.ROOT, "%s %d/%d%s%n", label, done, total, rate);
        }
        err.flush();
    }

    /** Ends the bar: shows the last count if it was not drawn, and ends the terminal line. */
    void finish() {
        if (firstDone < 0) return;
        if (lastDone != drawnDone) draw(lastDone, clock.getAsLong());
        if (terminal) err.println();
        err.flush();
    }
}
