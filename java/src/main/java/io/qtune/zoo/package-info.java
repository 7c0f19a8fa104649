/**
 * Model builders: the MLPerf-layout ResNet50 with synthetic weights and the embedded, trained proxy model (and its
 * trainer, on TF Java). May use {@code graph}, {@code data}, {@code tf} and the root.
 */
package io.qtune.zoo;
