package io.qtune.serve.http;

import java.util.List;

/**
 * An infer request as the protocol states it, before it is turned into images.
 *
 * @param id          the client's id, echoed in the response, or null
 * @param inputs      the input tensors in request order
 * @param outputs     the outputs asked for (null: all of them)
 * @param binaryOutputs whether outputs not named in {@code outputs} come back as binary data
 */
record InferRequest(String id, List<Input> inputs, List<Output> outputs, boolean binaryOutputs) {
    /**
     * One input tensor. Exactly one of {@code floats} (FP32) and {@code strings} (BYTES) holds its data, unless it
     * arrives as binary data: then {@code binarySize} is its byte count in the binary section.
     */
    record Input(String name, String datatype, long[] shape, float[] floats, int floatCount, List<byte[]> strings,
                 long binarySize) {}

    /** An output asked for by name, as JSON data or as binary data. */
    record Output(String name, boolean binary) {}
}
