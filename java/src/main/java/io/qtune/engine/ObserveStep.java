package io.qtune.engine;

import java.util.List;

/**
 * Hands one tensor to the run's {@link io.qtune.calib.ActivationObserver} right after the step that computed it, in
 * TensorFlow's row-major layout, so its buffer can be reused by later steps: calibration keeps one tensor at a time,
 * not every observed tensor of the network until the run ends. A run without an observer skips it.
 */
final class ObserveStep extends HostStep {
    private final String tensor;
    private final Value plain;

    ObserveStep(String tensor, Value plain) {
        super(tensor, "observe", List.of(plain), List.of());
        this.tensor = tensor;
        this.plain = plain;
    }

    @Override
    void run(Workspace ws) {
        if (ws.observer == null) return;
        int n = Math.toIntExact(plain.elements());
        float[] f;
        if (plain.isNative()) {
            f = ws.observeBuffer(n);
            ws.views[plain.id].get(f, 0, n);
            ws.views[plain.id].position(0);
        } else if (ws.host[plain.id] instanceof float[] h) {
            f = h;
        } else {
            long[] l = (long[]) ws.host[plain.id];
            f = ws.observeBuffer(n);
            for (int k = 0; k < n; k++) f[k] = l[k];
        }
        ws.observer.observe(tensor, plain.shape.clone(), f);
    }
}
