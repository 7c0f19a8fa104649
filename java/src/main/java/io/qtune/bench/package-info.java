/**
 * Throughput and latency of engines timed against each other in one process (rotating slices, ratios from one run).
 * May use {@code engine}, {@code tf}, {@code quant}, {@code graph} and its passes, {@code data}, {@code zoo},
 * {@code platform}, {@code report} and the root; only the CLI uses it.
 */
package io.qtune.bench;
