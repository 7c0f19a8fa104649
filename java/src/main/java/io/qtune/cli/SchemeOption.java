package io.qtune.cli;

import io.qtune.quant.ActivationScheme;
import picocli.CommandLine.Option;

/** {@code --scheme}, shared by the commands that quantize ({@code quantize}, {@code tune}). */
final class SchemeOption {
    @Option(names = "--scheme", paramLabel = "S", defaultValue = "sym", description = "Activation scheme: sym (TF's quantized "
            + "ops have no zero point, so asym is refused with the measured reason; docs/int8-semantics.md) (default: ${DEFAULT-VALUE}).")
    String scheme;

    /** Refuses a scheme the INT8 graph cannot carry, with the reason. */
    void check() {
        ActivationScheme.parse(scheme, "scheme");
    }
}
