/**
 * TensorFlow Java as a runtime: loading and running a frozen GraphDef ({@link io.qtune.tf.TfModel}), for the TF
 * engine of {@code eval}/{@code bench} and as the independent reference in tests. Uses only io.qtune and platform
 * (which chooses TF's oneDNN setting before TF loads).
 */
package io.qtune.tf;
