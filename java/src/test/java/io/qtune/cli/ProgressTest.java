package io.qtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressTest {
    private long now;

    private Progress progress(StringWriter sink, boolean terminal, int total) {
        return new Progress(new PrintWriter(sink), "calibrate", total, terminal, () -> now);
    }

    @Test
    void firstUpdateShowsNoRateAndLaterRatesCountOnlyTheTimeSinceIt() {
        StringWriter sink = new StringWriter();
        Progress p = progress(sink, false, 500);
        now = 7_000_000_000L; // the bar was made long before: none of that time counts
        p.accept(50);
        now += 20_000_000_000L; // 20 s later, 200 more images: 10 img/s
        p.accept(250);
        now += 1_000_000_000L; // under the plain interval: not drawn
        p.accept(260);
        now += 5_000_000_000L; // the last update is always drawn: 450 images in 26 s
        p.accept(500);
        p.finish();
        assertEquals(List.of("calibrate 50/500", "calibrate 250/500  10.0 img/s", "calibrate 500/500  17.3 img/s"),
                sink.toString().lines().toList());
    }

    @Test
    void withoutATerminalEveryLineEndsInANewlineAndNoneInACarriageReturn() {
        StringWriter sink = new StringWriter();
        Progress p = progress(sink, false, 1000);
        for (int done = 10; done <= 1000; done += 10) {
            now += 300_000_000L; // 0.3 s a batch: 30 s in all, so at most one line per 10 s plus first and last
            p.accept(done);
        }
        p.finish();
        String text = sink.toString();
        assertFalse(text.contains("\r"), text);
        assertTrue(text.endsWith("\n"), text);
        List<String> lines = text.lines().toList();
        assertTrue(lines.size() >= 3 && lines.size() <= 5, lines.toString());
        assertEquals("calibrate 1000/1000  33.3 img/s", lines.get(lines.size() - 1));
    }

    @Test
    void onATerminalTheBarIsRedrawnInPlaceAndFinishEndsTheLine() {
        StringWriter sink = new StringWriter();
        Progress p = progress(sink, true, 100);
        p.accept(10);
        now += 100_000_000L; // under the redraw interval
        p.accept(20);
        now += 900_000_000L;
        p.accept(40);
        p.finish(); // 40 was drawn; finish only ends the line
        assertEquals("\rcalibrate [###                           ] 10/100"
                + "\rcalibrate [############                  ] 40/100  30.0 img/s" + System.lineSeparator(), sink.toString());
    }

    @Test
    void finishDrawsACountThatWasThrottled() {
        StringWriter sink = new StringWriter();
        Progress p = progress(sink, false, 100);
        p.accept(10);
        now += 1_000_000_000L;
        p.accept(60); // throttled: under 10 s since the last line
        p.finish(); // stopped early (e.g. --limit): the count reached is still reported
        assertEquals(List.of("calibrate 10/100", "calibrate 60/100  50.0 img/s"), sink.toString().lines().toList());
    }
}
