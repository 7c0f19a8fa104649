package io.qtune.calib;

/**
 * Receives chosen tensors of a model run (the oneDNN engine's {@code Model.run(float[], int, ActivationObserver)}), e.g.
 * for calibration statistics on the oneDNN engine. The tensors are those named when the model was compiled
 * ({@code Model.compileObserving(Graph, List)}: each as soon as it is computed; {@code Model.compile(Graph, List)}:
 * after the run), in TensorFlow's row-major (NHWC) layout; a
 * quantized tensor arrives as its integer codes. The array is reused by later runs: read it inside the call.
 */
@FunctionalInterface
public interface ActivationObserver {
    void observe(String tensor, long[] shape, float[] data);
}
