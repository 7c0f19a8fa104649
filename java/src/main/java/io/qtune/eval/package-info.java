/**
 * Accuracy of a classifier on a labelled data set (top-1, top-5, per-image predictions) on either runtime, through
 * the {@link io.qtune.eval.Classifier} interface. May use {@code engine}, {@code tf}, {@code data}, {@code graph},
 * {@code report}, {@code platform} (the machine a result was measured on) and the root.
 */
package io.qtune.eval;
