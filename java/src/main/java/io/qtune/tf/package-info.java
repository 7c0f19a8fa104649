/**
 * TensorFlow Java as a runtime: loading and running a frozen GraphDef ({@link io.qtune.tf.TfModel}), for the TF
 * engine of {@code eval}/{@code bench} and as the independent reference in tests. Depends on no other qtune package.
 */
package io.qtune.tf;
