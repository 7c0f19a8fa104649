package io.qtune.engine;

import java.util.List;
import java.util.Locale;

/**
 * Where the time of one compiled program's runs goes ({@code bench --profile}): each step's own time (the primitive,
 * or the host computation, up to the end of its stream wait) and the Java time spent before it since the previous
 * step ended, plus the input copy, the final wait and the copy of the outputs; against the median of untraced runs.
 *
 * @param batch       batch size
 * @param team        OpenMP threads the program ran on
 * @param runs        traced runs the means are over
 * @param wholeMs     median wall time of an untraced run (input copy and every step, outputs not copied)
 * @param inputMs     mean time to copy the input into the program's buffer
 * @param finishMs    mean time from the end of the last step to the end of the run
 * @param outputsMs   mean time to copy the outputs out ({@link Model#run} does it after every run)
 * @param steps       every step, in program order
 */
public record RunProfile(int batch, int team, int runs, double wholeMs, double inputMs, double finishMs, double outputsMs,
                         List<Row> steps) {
    /**
     * One step.
     *
     * @param stepMs       mean time of the step
     * @param javaBeforeMs mean Java time between the end of the previous step (or the input copy) and this step's start
     */
    public record Row(int index, String node, String kind, String implementation, boolean primitive, double stepMs,
                      double javaBeforeMs) {}

    public RunProfile {
        steps = List.copyOf(steps);
    }

    /** Sum of the primitive steps' times. */
    public double primitiveMs() {
        return steps.stream().filter(Row::primitive).mapToDouble(Row::stepMs).sum();
    }

    /** Sum of the host (Java) steps' times. */
    public double hostStepMs() {
        return steps.stream().filter(r -> !r.primitive()).mapToDouble(Row::stepMs).sum();
    }

    /** Sum of the Java time between steps. */
    public double javaBetweenMs() {
        return steps.stream().mapToDouble(Row::javaBeforeMs).sum();
    }

    /** The table {@code bench --profile} prints: every step in order, then where a run's time went. */
    public String table() {
        double traced = inputMs + primitiveMs() + hostStepMs() + javaBetweenMs() + finishMs;
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "batch %d, %d runs: %.3f ms per run over %d steps, %d threads%n%4s %9s %6s %9s  %-17s %-28s %s%n", batch,
                runs, wholeMs, steps.size(), team, "step", "step ms", "share", "java ms", "kind", "implementation", "node"));
        for (Row r : steps) {
            sb.append(String.format(Locale.ROOT, "%4d %9.3f %5.1f%% %9.4f  %-17s %-28s %s%n", r.index(), r.stepMs(),
                    100 * r.stepMs() / Math.max(traced, 1e-9), r.javaBeforeMs(), r.kind(), r.implementation(), r.node()));
        }
        sb.append(String.format(Locale.ROOT, "per run: primitives %.3f ms, host steps %.3f ms, java between steps %.4f ms, "
                        + "input copy %.3f ms, final wait %.4f ms; traced %.3f ms vs untraced run %.3f ms; output copy %.3f ms%n",
                primitiveMs(), hostStepMs(), javaBetweenMs(), inputMs, finishMs, traced, wholeMs, outputsMs));
        return sb.toString();
    }
}
