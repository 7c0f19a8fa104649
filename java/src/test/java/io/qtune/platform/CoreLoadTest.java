package io.qtune.platform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.qtune.kernels.NativeRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CoreLoadTest {
    static final String SELF = "4242 (java (qtune) x) S 1 1 1 0 -1 0 0 0 0 0 %d %d 0 0 20 0 9 0 1 1 1";

    static String stat(long user, long idle) {
        // aggregate line, then two CPUs: user nice system idle iowait irq softirq steal
        return "cpu  " + user + " 0 0 " + idle + " 0 0 0 0 0 0\ncpu0 0 0 0 0 0 0 0 0\ncpu1 0 0 0 0 0 0 0 0\nintr 0\n";
    }

    @Test
    void parsesTheKernelsCounters() {
        assertArrayEquals(new long[] {10 + 2 + 3 + 5 + 6 + 7, 10 + 2 + 3 + 4 + 9 + 5 + 6 + 7},
                CoreLoad.parseCpuLine("cpu  10 2 3 4 9 5 6 7 0 0"));
        assertEquals(300 + 45, CoreLoad.parseOwnTicks(String.format(SELF, 300, 45))); // a ')' inside the name is skipped
    }

    @Test
    void othersLoadIsTheMachinesBusyTimeMinusOursSmoothed(@TempDir Path dir) throws Exception {
        Path stat = dir.resolve("stat"), self = dir.resolve("self");
        CoreLoad load = new CoreLoad(stat, self);
        Files.writeString(stat, stat(1000, 1000));
        Files.writeString(self, String.format(SELF, 500, 0));
        load.sampleIfDue(0);
        // next window, 100 ticks of wall time on 2 CPUs = 200 ticks: 150 busy, 50 of them ours -> others held 1 core
        Files.writeString(stat, stat(1150, 1050));
        Files.writeString(self, String.format(SELF, 550, 0));
        load.sampleIfDue(CoreLoad.WINDOW_NANOS);
        assertEquals(CoreLoad.SMOOTHING * 1.0, load.otherBusyCores(0), 1e-9);
        // too soon: no new window
        load.sampleIfDue(CoreLoad.WINDOW_NANOS + 1);
        assertEquals(CoreLoad.SMOOTHING * 1.0, load.otherBusyCores(0), 1e-9);
        // the other process stops; only we run: the estimate decays by the smoothing factor per window
        Files.writeString(stat, stat(1250, 1150));
        Files.writeString(self, String.format(SELF, 650, 0));
        load.sampleIfDue(2 * CoreLoad.WINDOW_NANOS);
        assertEquals(CoreLoad.SMOOTHING * CoreLoad.SMOOTHING, load.otherBusyCores(0), 1e-9);
        assertEquals(2, load.cpus());
    }

    @Test
    void aBusyProcessBesideUsShrinksTheTeamToTheFreeCores() throws Exception {
        assumeTrue(NativeRuntime.available() && Threads.adaptive(), "needs the native library and the adaptive team");
        int cpus = CoreLoad.SYSTEM.cpus();
        assumeTrue(cpus >= 2 && Threads.defaultTeamSize() >= 2, "needs 2 cores and a team of 2");
        int expected = Math.max(1, Math.min(Threads.defaultTeamSize(), cpus - 1));
        Process busy = new ProcessBuilder("sh", "-c", "while :; do :; done").start();
        try {
            int team = Threads.defaultTeamSize();
            long deadline = System.nanoTime() + 5_000_000_000L; // bounded: the estimate settles within a few 100 ms windows
            while (System.nanoTime() < deadline && (team = Threads.teamForRun()) > expected) Thread.sleep(110);
            assertTrue(team <= expected, "team " + team + " with one core busy elsewhere (" + cpus + " CPUs)");
        } finally {
            busy.destroyForcibly().waitFor();
        }
    }
}
