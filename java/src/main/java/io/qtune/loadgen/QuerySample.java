package io.qtune.loadgen;

/**
 * One sample of a query: {@code id} is its sequence number in the run (the accuracy log's {@code seq_id}),
 * {@code index} its place in the query sample library (the log's {@code qsl_idx}).
 */
public record QuerySample(int id, int index) {}
