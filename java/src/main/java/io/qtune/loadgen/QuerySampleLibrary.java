package io.qtune.loadgen;

/**
 * The samples LoadGen may ask for, by index. Before a timed run LoadGen loads the performance sample set into
 * memory ({@link #load}), so that reading and preprocessing images is never part of what is measured.
 */
public interface QuerySampleLibrary {
    /** Number of samples in the whole data set (what accuracy mode runs). */
    int totalCount();

    /** Loads and preprocesses these samples into memory; earlier loaded samples are dropped. */
    void load(int[] indices);

    /** A loaded sample's input (e.g. one preprocessed H x W x 3 image); fails if it is not loaded. */
    float[] sample(int index);

    /** Floats per sample. */
    int sampleElements();

    /** Frees the loaded samples. */
    void unload();
}
