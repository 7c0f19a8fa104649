package io.qtune.data;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The gate for tests that read Debian's dataset-fashion-mnist: skipped on a developer machine without it, a failure
 * under {@code CI=true}, where a missing package would otherwise turn seven tests into silent skips.
 */
public final class DebianFashionMnist {
    private DebianFashionMnist() {}

    /** Skips the calling test when the files are missing, or fails it when the environment says CI. */
    public static void assumeInstalled() {
        assumeInstalled(FashionMnist.debianFilesPresent(), System.getenv("CI"));
    }

    static void assumeInstalled(boolean present, String ciVariable) {
        if (present) return;
        String why = "Debian's dataset-fashion-mnist is not installed (scripts/install-deps)";
        if (isCi(ciVariable)) fail(why + ", and CI=" + ciVariable + " makes that a failure rather than a skip");
        assumeTrue(false, why);
    }

    /** CI services set CI=true (GitHub, GitLab, Buildkite, ...); "1" is common too. */
    static boolean isCi(String ciVariable) {
        return ciVariable != null && (ciVariable.equalsIgnoreCase("true") || ciVariable.equals("1"));
    }
}
