package io.qtune.serve;

/**
 * Name, KServe v2 datatype ({@code FP32}, {@code INT64}) and shape of a model input or output; -1 marks the batch
 * dimension.
 */
public record TensorSpec(String name, String datatype, long[] shape) {
    public TensorSpec {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }
}
