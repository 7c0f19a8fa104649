package io.qtune.tune;

/** Progress of a tuning run, for a progress display; every method may be left as is. */
public interface TuningListener {
    default void calibrating(int imagesDone, int imagesTotal) {}

    default void trialStarted(int index, String phase, Stage stage, Candidate candidate) {}

    /** After each trial, also ones read back from the history (then {@code trial.resumed()}). */
    default void trialFinished(Trial trial) {}

    default void message(String line) {}
}
