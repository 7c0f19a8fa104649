package io.qtune.testing;

/**
 * Whether the tests run on an emulated CPU, and how many images a sweep over a data set takes there. The surefire
 * execution cpu-emulated-haswell (java/pom.xml) runs the ISA-sensitive tests in a JVM under qemu-user, about 20x
 * slower than the host, with qtune.test.emulated=true: a sweep over Fashion-MNIST's 10,000 test images then takes
 * the first {@link #DEFAULT_IMAGES} (or qtune.test.emulated.images) of them. Only the sample shrinks; the tests'
 * bounds stay as they are.
 */
public final class Emulation {
    /** Images a sweep takes under emulation unless the system property qtune.test.emulated.images says otherwise. */
    static final int DEFAULT_IMAGES = 300;

    private Emulation() {}

    /** Whether this JVM runs on an emulated CPU (system property qtune.test.emulated=true). */
    public static boolean active() {
        return Boolean.getBoolean("qtune.test.emulated");
    }

    /** The {@code limit} for {@code Evaluator.evaluate} on a sweep over a whole split: 0 (all) natively, N emulated. */
    public static int evalLimit() {
        return active() ? Integer.getInteger("qtune.test.emulated.images", DEFAULT_IMAGES) : 0;
    }

    /** How many of a split's {@code all} images such a sweep evaluates. */
    public static int images(int all) {
        return active() ? Math.min(all, evalLimit()) : all;
    }
}
