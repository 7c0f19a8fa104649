/**
 * qtune's root: what every package shares and nothing else: {@link io.qtune.QtuneException} (the one-line error the
 * CLI prints), {@link io.qtune.AtomicFiles} (nothing half-written), {@link io.qtune.Json} (the one JSON setup) and
 * {@link io.qtune.Sha256}. Depends on no other qtune package.
 */
package io.qtune;
