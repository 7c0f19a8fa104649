package io.qtune.bench;

import java.nio.file.Path;
import java.util.List;

/** ONNX Runtime on an exported .onnx (ort-fp32, ort-int8): fetches the same outputs as the other engines. */
final class OrtEngine implements BenchEngine {
    private final String name;
    private final OrtModel ort;
    private final List<String> fetches;
    private final long[] imageShape;
    private final Path onnx;
    private final int threads;

    OrtEngine(String name, Path onnx, BenchEngines.Setup s) {
        this.name = name;
        this.onnx = onnx;
        this.threads = s.ortThreads();
        this.ort = OrtModel.load(onnx, s.ortThreads());
        this.fetches = s.outputs();
        this.imageShape = s.imageShape().clone();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void run(float[] images, int batch) {
        ort.run(images, shape(batch), fetches);
    }

    @Override
    public String profile(int batch, int runs) {
        return OrtModel.profile(onnx, threads, shape(batch), fetches, runs);
    }

    private long[] shape(int batch) {
        long[] shape = new long[imageShape.length + 1];
        shape[0] = batch;
        System.arraycopy(imageShape, 0, shape, 1, imageShape.length);
        return shape;
    }

    @Override
    public void close() {
        ort.close();
    }
}
