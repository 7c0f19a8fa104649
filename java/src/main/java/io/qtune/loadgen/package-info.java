/**
 * MLPerf LoadGen's four scenarios (SingleStream, MultiStream, Server, Offline) run in-process against a
 * {@link io.qtune.loadgen.SystemUnderTest}: the serving service itself or a KServe v2 server over HTTP. Schedules
 * come from the seed, latencies and early stopping follow LoadGen's rules, and the {@link io.qtune.loadgen.Summary}
 * has the shape of {@code mlperf_log_summary.txt}; accuracy mode writes {@code mlperf_log_accuracy.json}.
 * May use {@code serve}, {@code engine}, {@code data} and the root; only the CLI uses it (not exported by the module).
 */
package io.qtune.loadgen;
