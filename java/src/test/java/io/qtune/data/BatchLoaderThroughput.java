package io.qtune.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Rough decode throughput of BatchLoader over full-size 500x375 JPEGs (the common ImageNet val size), MLPerf
 * preprocessing to 224x224. Not a test: run by hand, numbers depend on the machine and its load.
 * {@code java -cp 'java/target/test-classes:java/target/classes:java/target/lib/*'
 * io.qtune.data.BatchLoaderThroughput [images [opencvThreads]]}
 */
public final class BatchLoaderThroughput {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        if (args.length > 1) { // OpenCV's own thread count inside resize, to compare with the loader's threads
            org.bytedeco.opencv.global.opencv_core.setNumThreads(Integer.parseInt(args[1]));
        }
        Path tmp = Files.createTempDirectory("qtune-throughput");
        try {
            StringBuilder map = new StringBuilder();
            long bytes = 0;
            for (int i = 0; i < n; i++) {
                String name = String.format("ILSVRC2012_val_%08d.JPEG", i + 1);
                // noise 24 at quality 90 gives files of about ImageNet's average size (~110 KB)
                byte[] jpeg = TestImages.jpeg(500, 375, false, 24, i);
                bytes += jpeg.length;
                Files.write(tmp.resolve(name), jpeg);
                map.append(name).append(' ').append(i % 1000).append('\n');
            }
            Path list = tmp.resolve("val_map.txt");
            Files.writeString(list, map);
            long open0 = System.nanoTime();
            ImageNetDataset data = ImageNetDataset.validation(tmp, list, ImageNetDataset.Options.defaults());
            System.out.printf("opening (list parse + per-file signature check): %.1f ms for %d files%n",
                    (System.nanoTime() - open0) / 1e6, n);
            System.out.printf("%d JPEGs 500x375, mean %.0f KB; %d processors, OpenCV threads %d%n", n,
                    bytes / 1024.0 / n, Runtime.getRuntime().availableProcessors(),
                    org.bytedeco.opencv.global.opencv_core.getNumThreads());
            for (int threads : new int[] {1, 2, 1, 2, 2}) {
                com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean();
                long cpu0 = os.getProcessCpuTime();
                long t0 = System.nanoTime();
                int images = 0;
                double checksum = 0;
                try (BatchLoader loader = new BatchLoader(data, 50, new BatchLoader.Options(threads, 2))) {
                    while (loader.hasNext()) {
                        BatchLoader.Batch b = loader.next();
                        images += b.size();
                        checksum += b.images()[b.images().length / 2];
                    }
                }
                double s = (System.nanoTime() - t0) / 1e9;
                // CPU time per image is steadier than wall time on a shared machine
                double cpuMs = (os.getProcessCpuTime() - cpu0) / 1e6 / images;
                System.out.printf("threads %d: %d images in %.2f s = %.0f images/s, %.2f CPU ms/image (checksum %.1f)%n",
                        threads, images, s, images / s, cpuMs, checksum);
            }
        } finally {
            try (Stream<Path> files = Files.walk(tmp)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
