package io.qtune.engine;

import java.util.List;

/** Index of the largest element along the last axis, first one on ties (as TensorFlow's ArgMax). */
final class ArgMaxStep extends HostStep {
    private final Value in;
    private final Value out;
    private final int rows;
    private final int cols;

    ArgMaxStep(String node, Value in, Value out) {
        super(node, "argmax", List.of(in), List.of(out));
        this.in = in;
        this.out = out;
        this.cols = Math.toIntExact(in.shape[in.shape.length - 1]);
        this.rows = Math.toIntExact(in.elements() / Math.max(cols, 1));
    }

    @Override
    void run(Workspace ws) {
        long[] result = (long[]) ws.host[out.id];
        org.bytedeco.javacpp.FloatPointer src = ws.views[in.id];
        float[] row = ws.rowBuffer(cols);
        for (int r = 0; r < rows; r++) {
            src.position((long) r * cols).get(row, 0, cols);
            int best = 0;
            for (int c = 1; c < cols; c++) {
                if (row[c] > row[best]) best = c;
            }
            result[r] = best;
        }
        src.position(0);
    }
}
