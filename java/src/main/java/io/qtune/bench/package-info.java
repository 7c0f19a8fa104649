/**
 * Throughput and latency of engines timed against each other in one process (rotating slices, ratios from one run).
 * May use {@code engine}, {@code tf}, {@code graph}, {@code report} and the root.
 */
package io.qtune.bench;
