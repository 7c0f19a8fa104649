/**
 * Accuracy-driven tuning: strategies, the accuracy criterion, the search with its subset screening, the trial
 * history and the {@link io.qtune.tune.Tuner} that orchestrates them. May use everything below it (eval, engine,
 * export, quant, calib, graph, data, zoo, report, platform, and the reference interpreters and TF's INT8 semantics
 * for the per-layer errors); never the CLI.
 */
package io.qtune.tune;
