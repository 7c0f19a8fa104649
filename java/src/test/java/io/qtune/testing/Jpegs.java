package io.qtune.testing;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;

/** Small JPEG files for tests that need an image folder. */
public final class Jpegs {
    private Jpegs() {}

    /** A w x h JPEG of one grey level. */
    public static Path solid(Path file, int w, int h, int grey) throws Exception {
        try (Mat m = new Mat(h, w, CV_8UC3, new Scalar(grey, grey, grey, 0)); BytePointer out = new BytePointer()) {
            if (!imencode(".jpg", m, out)) throw new IllegalStateException("OpenCV could not encode a JPEG");
            byte[] b = new byte[(int) out.limit()];
            out.get(b);
            return Files.write(file, b);
        }
    }
}
