/**
 * Typed outputs as records: the tuning report ({@link io.qtune.report.TuningReport}, rendered to JSON and HTML),
 * bench and eval results, provenance; shared by tune, bench, eval and the serving and load-generator outputs to come.
 * Depends only on the root (Jackson through {@link io.qtune.Json}) and {@code platform} (the machine a figure was
 * measured on), so every command can use it.
 */
package io.qtune.report;
