/**
 * The picocli commands, one per file, kept thin: parse, call the library, print; and the progress display. The top
 * of the package graph: may use every package, and nothing uses it.
 */
package io.qtune.cli;
