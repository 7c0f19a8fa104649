package io.qtune.zoo;

import io.qtune.AtomicFiles;

import io.qtune.QtuneException;
import io.qtune.data.FashionMnist;
import io.qtune.tf.TfModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The committed proxy model: ResNet50-v1.5 in the MLPerf layout, width-reduced and trained on Fashion-MNIST
 * (scripts/train-proxy). Its 11 outputs follow the 1001-class convention: output 0 is background, Fashion-MNIST
 * label k is output k+1. Feed it {@link #testData()} / {@link #trainData()}, which preprocess the way it was
 * trained. The JSON sidecar beside the .pb records how it was made.
 */
public final class ProxyModel {
    public static final String RESOURCE = "/io/qtune/zoo/proxy-resnet50-fmnist.pb";
    public static final String SIDECAR_RESOURCE = "/io/qtune/zoo/proxy-resnet50-fmnist.json";
    /** Input height and width the proxy was trained at. */
    public static final int IMAGE_SIZE = 48;
    /** How the 28x28 images were brought to {@link #IMAGE_SIZE}. */
    public static final FashionMnist.Resize RESIZE = FashionMnist.Resize.BILINEAR;
    public static final double WIDTH = 0.125;
    public static final int CLASSES = 11;

    private ProxyModel() {}

    /** The frozen GraphDef bytes. */
    public static byte[] bytes() {
        return resource(RESOURCE);
    }

    /** The JSON sidecar (seed, epochs, width, image size, training time, test top-1, sha256 of the .pb). */
    public static String sidecar() {
        return new String(resource(SIDECAR_RESOURCE), StandardCharsets.UTF_8);
    }

    /** The data set spec that goes with the proxy (see io.qtune.data.DataSpec). */
    public static final String DEFAULT_DATA = "fashion-mnist:test";

    /**
     * The proxy as a file, for runtimes that read files: copied out of the jar once per content digest
     * into the temp directory.
     */
    public static java.nio.file.Path file() {
        byte[] bytes = bytes();
        String digest = io.qtune.Sha256.hex(bytes).substring(0, 16);
        java.nio.file.Path f = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"),
                "qtune-" + System.getProperty("user.name"), digest, "proxy-resnet50-fmnist.pb");
        if (!java.nio.file.Files.isRegularFile(f)) io.qtune.AtomicFiles.write(f, bytes);
        return f;
    }

    /** The proxy loaded into TF. */
    public static TfModel load(int intraOpThreads) {
        return TfModel.fromBytes(bytes(), "classpath:" + RESOURCE, intraOpThreads);
    }

    /** The spec of the proxy's topology. */
    public static ResNet50Spec spec() {
        return new ResNet50Spec(WIDTH, IMAGE_SIZE, CLASSES, 0);
    }

    /** Fashion-MNIST test split, preprocessed for the proxy. */
    public static FashionMnist testData() {
        return FashionMnist.open(FashionMnist.DEBIAN_DIR, FashionMnist.Split.TEST, IMAGE_SIZE, RESIZE);
    }

    /** Fashion-MNIST training split, preprocessed for the proxy (e.g. as calibration images). */
    public static FashionMnist trainData() {
        return FashionMnist.open(FashionMnist.DEBIAN_DIR, FashionMnist.Split.TRAIN, IMAGE_SIZE, RESIZE);
    }

    private static byte[] resource(String name) {
        try (InputStream in = ProxyModel.class.getResourceAsStream(name)) {
            if (in == null) throw new QtuneException("resource " + name + " is missing from the class path (run scripts/train-proxy)");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new QtuneException("cannot read resource " + name + ": " + e.getMessage(), e);
        }
    }
}
