package io.qtune.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.qtune.QtuneException;
import io.qtune.kernels.NativeRuntime;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ThreadsTest {
    @Test
    void qtuneSetsABoundedSpinUnlessTheEnvironmentChoseAPolicy() {
        assumeTrue(NativeRuntime.available(), "native library not built");
        WaitPolicy p = OpenMp.policy();
        if (System.getenv("OMP_WAIT_POLICY") == null && System.getenv("GOMP_SPINCOUNT") == null) {
            assertEquals(WaitPolicy.Source.QTUNE, p.source(), p.describe());
            assertEquals(OpenMp.SPIN_COUNT, p.spinCount());
        } else {
            assertEquals(WaitPolicy.Source.USER, p.source(), p.describe());
        }
        assertTrue(OpenMp.bound(), "omp_set_num_threads reached through libdnnl");
    }

    @Test
    void teamSizeIsPerThread() throws Exception {
        assumeTrue(NativeRuntime.available(), "native library not built");
        int main = Threads.teamForRun();
        AtomicInteger seen = new AtomicInteger(), icv = new AtomicInteger();
        Thread t = new Thread(() -> {
            Threads.setTeamSize(1);
            seen.set(Threads.teamForRun());
            icv.set(NativeRuntime.maxThreads());
        });
        t.start();
        t.join();
        assertEquals(1, seen.get());
        assertEquals(1, icv.get(), "the OpenMP ICV of that thread");
        assertEquals(main, Threads.teamForRun(), "this thread keeps its own size");
        assertEquals(main, NativeRuntime.maxThreads());
        assertThrows(QtuneException.class, () -> Threads.setTeamSize(0));
    }

    @Test
    void machineNamesCpuIsaAndPolicy() {
        Machine m = Machine.current();
        assertNotNull(m.onednnIsa());
        assertTrue(m.toMap().containsKey("wait_policy"));
        assertTrue(m.header().contains("oneDNN ISA " + m.onednnIsa()), m.header());
        System.out.println(m.header());
    }
}
