package io.qtune.engine;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer over {@link GraphDefFuzzTarget}. In a plain test run (regression mode) it replays every input in
 * {@code src/test/resources/io/qtune/engine/GraphDefFuzzTestInputs/importValidateFuseCompile/}: the seed graphs
 * (valid small FP32 and INT8 classifiers, a residual network) and every input a fuzzing run kept. With
 * {@code JAZZER_FUZZ=1} it fuzzes for 5 seconds (the surefire {@code fuzz} execution does that in every build);
 * {@code scripts/fuzz} runs longer through Jazzer's command line.
 */
class GraphDefFuzzTest {
    @FuzzTest(maxDuration = "5s")
    void importValidateFuseCompile(byte[] graphDef) {
        GraphDefFuzzTarget.fuzzerTestOneInput(graphDef);
    }
}
