package io.qtune.cli;

import java.io.PrintWriter;
import java.util.function.IntConsumer;

/** A one-line progress bar on stderr, redrawn at most a few times a second. */
final class Progress implements IntConsumer {
    private final PrintWriter err;
    private final String label;
    private final int total;
    private final long start = System.nanoTime();
    private long lastDraw;
    /** True while a line that ends in {@code \r} is on the terminal: an error must start a fresh line. */
    private static volatile boolean lineOpen;

    Progress(PrintWriter err, String label, int total) {
        this.err = err;
        this.label = label;
        this.total = total;
    }

    @Override
    public void accept(int done) {
        long now = System.nanoTime();
        if (done < total && now - lastDraw < 250_000_000L) return;
        lastDraw = now;
        int width = 30, filled = total == 0 ? width : (int) ((long) width * done / total);
        double rate = done / Math.max((now - start) / 1e9, 1e-9);
        err.printf(java.util.Locale.ROOT, "\r%s [%s%s] %d/%d  %.0f img/s", label, "#".repeat(filled), " ".repeat(width - filled), done, total, rate);
        err.flush();
        lineOpen = true;
    }

    void finish() {
        err.println();
        err.flush();
        lineOpen = false;
    }

    /** Marks a line left open by other {@code \r} output (tune's trial lines). */
    static void opened() {
        lineOpen = true;
    }

    /** Ends an open progress line, so what comes next (an error) starts on its own line. */
    static void endOpenLine(PrintWriter err) {
        if (lineOpen) {
            err.println();
            lineOpen = false;
        }
    }

    /** A line was ended by other output. */
    static void closed() {
        lineOpen = false;
    }
}
