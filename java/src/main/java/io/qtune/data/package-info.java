/**
 * Datasets and preprocessing: the {@link io.qtune.data.LabeledImages} interface, ImageNet with MLPerf's VGG
 * preprocessing, Fashion-MNIST (IDX), synthetic images, the {@link io.qtune.data.DataSpec} parser and the
 * background {@link io.qtune.data.BatchLoader}. May use the root and {@code kernels}; not models, engines or plans.
 */
package io.qtune.data;
