/**
 * qtune's root: what every package shares and nothing else: {@link io.qtune.QtuneException} (the one-line error the
 * CLI prints) and {@link io.qtune.InvalidSetting} (a setting named as the builders name it, which the CLI rewrites to
 * its flag), {@link io.qtune.AtomicFiles} and {@link io.qtune.OutputPaths} (nothing half-written, no output over an
 * input), {@link io.qtune.ModelFile} (bounded reads), {@link io.qtune.Json} (the one JSON setup) and
 * {@link io.qtune.Sha256}. Depends on no other qtune package.
 */
package io.qtune;
