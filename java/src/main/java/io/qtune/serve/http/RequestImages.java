package io.qtune.serve.http;

import io.qtune.QtuneException;
import io.qtune.data.VggPreprocessing;
import io.qtune.serve.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Turns the input tensor of an infer request into the model's NHWC floats: FP32 tensors of shape [n, H, W, C] as
 * they are, or BYTES tensors of shape [n] (or [n, 1]) holding encoded images (JPEG, PNG) that are preprocessed here
 * with MLPerf's {@code pre_process_vgg} at the model's input size. Data comes from the JSON (numbers; base64 strings)
 * or from the binary section of the protocol's binary-data extension (little-endian floats; each BYTES element as a
 * 4-byte little-endian length and its bytes, as Triton's clients write them).
 */
final class RequestImages {
    /** The images of one request: count x image floats. */
    record Images(float[] floats, int count) {}

    private final TensorSpec input;
    private final long[] imageShape;
    private final long imageFloats;
    private final int maxImages;
    /** Null when the input is not a square RGB image (then BYTES inputs are refused). */
    private final VggPreprocessing preprocessing;

    RequestImages(TensorSpec input, int maxImages) {
        this.input = input;
        long[] s = input.shape();
        this.imageShape = Arrays.copyOfRange(s, 1, s.length);
        this.imageFloats = Arrays.stream(imageShape).reduce(1, (a, b) -> a * b);
        this.maxImages = maxImages;
        this.preprocessing = imageShape.length == 3 && imageShape[0] == imageShape[1] && imageShape[2] == 3
                ? new VggPreprocessing(Math.toIntExact(imageShape[0]), VggPreprocessing.MLPERF_SCALE_PERCENT) : null;
    }

    /** The request's images; {@code binary} is the binary section after the JSON header (empty without one). */
    Images images(InferRequest request, ByteBuffer binary) {
        if (request.inputs().size() != 1) {
            throw RequestError.badRequest("the model has one input, '" + input.name() + "'; the request has "
                    + request.inputs().size());
        }
        InferRequest.Input in = request.inputs().get(0);
        if (!in.name().equals(input.name())) {
            throw RequestError.badRequest("no input named '" + in.name() + "'; the model's input is '" + input.name() + "'");
        }
        ByteBuffer data = null;
        if (in.binarySize() >= 0) {
            if (in.binarySize() > binary.remaining()) {
                throw RequestError.badRequest("input '" + in.name() + "' declares " + in.binarySize()
                        + " bytes of binary data, the body has " + binary.remaining() + " after the JSON header");
            }
            data = binary.slice(binary.position(), (int) in.binarySize()).order(ByteOrder.LITTLE_ENDIAN);
            binary.position(binary.position() + (int) in.binarySize());
        }
        if (binary.hasRemaining()) {
            throw RequestError.badRequest(binary.remaining() + " bytes of binary data after the last input's");
        }
        return switch (in.datatype()) {
            case "FP32" -> tensor(in, data);
            case "BYTES" -> encoded(in, data);
            default -> throw RequestError.badRequest("input '" + in.name() + "' has datatype " + in.datatype()
                    + "; send FP32 " + shapeText() + " tensors or BYTES encoded images");
        };
    }

    private Images tensor(InferRequest.Input in, ByteBuffer data) {
        long[] s = in.shape();
        boolean ok = s.length == imageShape.length + 1;
        for (int i = 0; ok && i < imageShape.length; i++) ok = s[i + 1] == imageShape[i];
        if (!ok) {
            throw RequestError.badRequest("input '" + in.name() + "' has shape " + Arrays.toString(s) + "; FP32 input must be "
                    + shapeText());
        }
        int n = count(in, s[0]);
        long expected = n * imageFloats;
        float[] floats;
        if (data != null) {
            if (data.remaining() != expected * 4) {
                throw RequestError.badRequest("input '" + in.name() + "' of shape " + Arrays.toString(s) + " needs "
                        + expected * 4 + " bytes of binary FP32 data, got " + data.remaining());
            }
            floats = new float[(int) expected];
            data.asFloatBuffer().get(floats);
        } else {
            if (in.strings() != null) throw RequestError.badRequest("input '" + in.name() + "' is FP32 but its data holds strings");
            if (in.floatCount() != expected) {
                throw RequestError.badRequest("input '" + in.name() + "' of shape " + Arrays.toString(s) + " needs "
                        + expected + " numbers, got " + in.floatCount());
            }
            floats = in.floats().length == expected ? in.floats() : Arrays.copyOf(in.floats(), (int) expected);
        }
        return new Images(floats, n);
    }

    private Images encoded(InferRequest.Input in, ByteBuffer data) {
        if (preprocessing == null) {
            throw RequestError.badRequest("the model's input " + shapeText() + " is not a square RGB image; send FP32 tensors");
        }
        long[] s = in.shape();
        if (!(s.length == 1 || (s.length == 2 && s[1] == 1))) {
            throw RequestError.badRequest("input '" + in.name() + "' is BYTES with shape " + Arrays.toString(s)
                    + "; encoded images need shape [n] or [n, 1]");
        }
        int n = count(in, s[0]);
        List<byte[]> files;
        if (data != null) {
            files = lengthPrefixed(in, data);
        } else {
            if (in.floatCount() > 0) throw RequestError.badRequest("input '" + in.name() + "' is BYTES but its data holds numbers");
            files = new ArrayList<>();
            List<byte[]> strings = in.strings() == null ? List.of() : in.strings();
            for (int i = 0; i < strings.size(); i++) {
                try {
                    files.add(Base64.getDecoder().decode(withoutWhitespace(strings.get(i))));
                } catch (IllegalArgumentException e) {
                    throw RequestError.badRequest("input '" + in.name() + "' element " + i + " is not base64: " + e.getMessage());
                }
            }
        }
        if (files.size() != n) {
            throw RequestError.badRequest("input '" + in.name() + "' of shape " + Arrays.toString(s) + " needs " + n
                    + " elements, got " + files.size());
        }
        float[] floats = new float[Math.toIntExact(n * imageFloats)];
        for (int i = 0; i < n; i++) {
            byte[] rgb;
            try {
                rgb = preprocessing.rgbCrop(files.get(i), "input '" + in.name() + "' element " + i);
            } catch (QtuneException e) {
                throw RequestError.badRequest(e.getMessage());
            }
            VggPreprocessing.subtractMeans(rgb, floats, Math.toIntExact(i * imageFloats));
        }
        return new Images(floats, n);
    }

    private int count(InferRequest.Input in, long n) {
        if (n < 1) throw RequestError.badRequest("input '" + in.name() + "' holds no images (first dimension 0)");
        if (n > maxImages) {
            throw RequestError.badRequest("input '" + in.name() + "' holds " + n + " images, more than the max batch of " + maxImages);
        }
        return (int) n;
    }

    /** Base64 text with line breaks or spaces (as some encoders wrap it) taken out; anything else stays strict. */
    private static byte[] withoutWhitespace(byte[] text) {
        int n = 0;
        byte[] out = new byte[text.length];
        for (byte b : text) if (b != ' ' && b != '\n' && b != '\r' && b != '\t') out[n++] = b;
        return n == text.length ? text : Arrays.copyOf(out, n);
    }

    /** Triton's serialization of a BYTES tensor: per element, a uint32 little-endian length, then the bytes. */
    private static List<byte[]> lengthPrefixed(InferRequest.Input in, ByteBuffer data) {
        List<byte[]> out = new ArrayList<>();
        while (data.hasRemaining()) {
            if (data.remaining() < 4) throw RequestError.badRequest("input '" + in.name() + "': binary BYTES data ends inside a length");
            long len = data.getInt() & 0xFFFFFFFFL;
            if (len > data.remaining()) {
                throw RequestError.badRequest("input '" + in.name() + "' element " + out.size() + " declares " + len
                        + " bytes, " + data.remaining() + " remain");
            }
            byte[] b = new byte[(int) len];
            data.get(b);
            out.add(b);
        }
        return out;
    }

    private String shapeText() {
        StringBuilder sb = new StringBuilder("[n");
        for (long d : imageShape) sb.append(", ").append(d);
        return sb.append(']').toString();
    }
}
