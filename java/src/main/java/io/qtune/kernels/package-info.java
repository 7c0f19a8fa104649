/**
 * The hot loops oneDNN does not provide (histograms, min/max, weight quantization): the JavaCPP binding of
 * {@code native/} with run-time ISA dispatch and the plain-Java reference of each kernel. Depends on no other qtune
 * package but the root.
 */
package io.qtune.kernels;
