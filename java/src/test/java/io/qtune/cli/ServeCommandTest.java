package io.qtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** serve's options; the server itself is tested in io.qtune.serve.http. */
class ServeCommandTest {
    @Test
    void delaysParseWithTheirUnits() {
        assertEquals(Duration.ofMillis(2), ServeCommand.parseDelay("2ms"));
        assertEquals(Duration.ofNanos(500_000), ServeCommand.parseDelay("500us"));
        assertEquals(Duration.ofMillis(100), ServeCommand.parseDelay("0.1s"));
        assertEquals(Duration.ZERO, ServeCommand.parseDelay("0"));
        assertThrows(QtuneException.class, () -> ServeCommand.parseDelay("2"));
        assertThrows(QtuneException.class, () -> ServeCommand.parseDelay("2 parsecs"));
        assertThrows(QtuneException.class, () -> ServeCommand.parseDelay("2h"));
        assertEquals(Duration.ofSeconds(30), ServeCommand.parseTimeout("30s"));
        assertEquals(Duration.ofMillis(1500), ServeCommand.parseTimeout("1500ms"));
    }

    @Test
    void badOptionsAreOneLineErrorsBeforeAnythingStarts() {
        CliRun delay = CliRun.of("serve", "--port", "0", "--max-delay", "soon");
        assertEquals(2, delay.exitCode());
        assertTrue(delay.err().startsWith("error: --max-delay 'soon'"), delay.err());
        for (String bad : new String[] {"0s", "0", "-1s", "soon", "30"}) {
            CliRun timeout = CliRun.of("serve", "--port", "0", "--request-timeout", bad);
            assertEquals(2, timeout.exitCode(), bad);
            assertTrue(timeout.err().startsWith("error: --request-timeout '" + bad + "'"), timeout.err());
        }
        assertTrue(CliRun.of("serve", "--port", "0", "--request-timeout", "0s").err().contains("must be more than 0"));
        CliRun instances = CliRun.of("serve", "--port", "0", "--instances", "0");
        assertEquals(2, instances.exitCode());
        assertTrue(instances.err().contains("instances must be at least 1"), instances.err());
        CliRun queue = CliRun.of("serve", "--port", "0", "--max-batch", "16", "--queue", "4");
        assertEquals(2, queue.exitCode());
        assertTrue(queue.err().contains("at least one full batch"), queue.err());
        CliRun model = CliRun.of("serve", "--port", "0", "--model", "/nonexistent/model.pb");
        assertEquals(2, model.exitCode());
        assertTrue(model.err().contains("/nonexistent/model.pb"), model.err());
        CliRun name = CliRun.of("serve", "--port", "0", "--name", "a/b");
        assertEquals(2, name.exitCode());
        assertTrue(name.err().contains("model name 'a/b'"), name.err());
        CliRun slice = CliRun.of("serve-bench", "--layouts", "1x1", "--slice", "0");
        assertEquals(2, slice.exitCode());
        assertTrue(slice.err().startsWith("error: --slice must be more than 0, got 0.0"), slice.err()); // ServingBenchmark's slice
    }

    @Test
    void serveBenchPrintsRatiosAndTheIdentityCheck() {
        CliRun r = CliRun.of("serve-bench", "--layouts", "1x1", "--max-batch", "1,2", "--seconds", "0.2", "--warmup", "0",
                "--slice", "0.1", "--check-images", "4");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("bench batch 2 (team"), r.out());
        assertTrue(r.out().contains("serve 1x1 max batch 2"), r.out());
        assertTrue(r.out().contains("[goal >= 0.97]"), r.out());
        assertTrue(r.out().contains("p50 serve 1x1 max batch 1 / bench batch 1"), r.out());
        assertTrue(r.out().contains("identity 1x1 max batch 2: 0 of 4 images differ"), r.out());
    }
}
