/**
 * The KServe v2 / Open Inference Protocol over the JDK's HTTP server, in front of an {@link io.qtune.serve.InferenceService}:
 * one endpoint family per file (health, server metadata, model metadata/ready/infer, Prometheus metrics), Jackson for
 * the bodies. May use {@code serve}, {@code data}, {@code engine}, {@code platform} and the root.
 */
package io.qtune.serve.http;
