package example.service;

import io.qtune.Json;
import io.qtune.data.DataSpec;
import io.qtune.data.LabeledImages;
import io.qtune.engine.Model;
import io.qtune.engine.Outputs;
import io.qtune.platform.Threads;
import io.qtune.report.BenchRatio;
import io.qtune.zoo.ProxyModel;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Loads the embedded default model through qtune's public API and runs it on one image; prints the modules it ran
 * in, the output's exact bits, the thread line (whether qtune's own JNI library loaded) and a report record as JSON.
 * ModulePathTest compares the last three with what the same calls print on the class path.
 */
public final class EmbeddedModelProbe {
    public static void main(String[] args) {
        System.out.println(EmbeddedModelProbe.class.getModule().getName() + " " + Model.class.getModule().getName());
        System.out.println(String.join("\n", probe()));
    }

    /** The same lines on either path. */
    public static java.util.List<String> probe() {
        int size = ProxyModel.IMAGE_SIZE;
        float[] image = new float[size * size * 3];
        try (Model model = Model.load(ProxyModel.file()); LabeledImages images = DataSpec.open("synthetic:1", size)) {
            images.load(0, image, 0);
            Outputs out = model.run(image, 1);
            float[] p = out.floats("softmax_tensor");
            String bits = Arrays.stream(box(p)).map(f -> Integer.toHexString(Float.floatToRawIntBits(f))).collect(Collectors.joining(" "));
            return java.util.List.of("softmax_tensor " + bits, "threads " + Threads.describe(),
                    "json " + Json.write(new BenchRatio("onednn-int8", "onednn-fp32", 1, 2.5, 0.5)));
        }
    }

    private static Float[] box(float[] a) {
        Float[] b = new Float[a.length];
        for (int i = 0; i < a.length; i++) b[i] = a[i];
        return b;
    }
}
