/**
 * The embeddable inference service: a bounded queue, a dynamic batcher, and instances that each run their batches
 * on their own OpenMP team ({@link io.qtune.serve.InferenceService}); {@code io.qtune.serve.http} puts the KServe v2
 * / Open Inference Protocol and Prometheus metrics in front of it. Uses engine, data and platform; nothing below
 * uses it.
 */
package io.qtune.serve;
