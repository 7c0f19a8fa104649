package io.qtune.platform;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How many cores other processes are using, from the kernel's counters: the machine's busy time in /proc/stat
 * minus this process's own CPU time (/proc/self/stat), over windows of at least {@link #WINDOW_NANOS}, smoothed.
 * Steal time counts as taken: a hypervisor's other guests hold those cycles. Sampled lazily by the threads that
 * ask, so nothing runs while the engine is idle.
 */
public final class CoreLoad {
    /** Shortest window: the counters tick at 100 Hz, so 100 ms gives 10 ticks per core. */
    static final long WINDOW_NANOS = 100_000_000L;
    /** Weight of the newest window in the running estimate. */
    static final double SMOOTHING = 0.5;

    private final Path procStat;
    private final Path selfStat;
    private long lastNanos;
    private long[] last; // busy, total, own
    private double others;
    private int cpus;
    private boolean unavailable;

    CoreLoad(Path procStat, Path selfStat) {
        this.procStat = procStat;
        this.selfStat = selfStat;
    }

    static final CoreLoad SYSTEM = new CoreLoad(Path.of("/proc/stat"), Path.of("/proc/self/stat"));

    /** Cores' worth of CPU that other processes used lately (0 when unknown). */
    public synchronized double otherBusyCores() {
        return otherBusyCores(System.nanoTime());
    }

    synchronized double otherBusyCores(long now) {
        if (now > 0) sampleIfDue(now);
        return others;
    }

    /** Logical CPUs the kernel counts, or -1 when /proc/stat cannot be read. */
    public synchronized int cpus() {
        sampleIfDue(System.nanoTime());
        return unavailable ? -1 : cpus;
    }

    synchronized void sampleIfDue(long now) {
        if (unavailable || (last != null && now - lastNanos < WINDOW_NANOS)) return;
        long[] cur = read();
        if (cur == null) {
            unavailable = true;
            others = 0;
            return;
        }
        if (last != null) {
            long busy = cur[0] - last[0], total = cur[1] - last[1], own = cur[2] - last[2];
            if (total > 0) {
                double window = Math.max(0, busy - own) * (double) cpus / total;
                others = SMOOTHING * window + (1 - SMOOTHING) * others;
            }
        }
        last = cur;
        lastNanos = now;
    }

    private long[] read() {
        try {
            List<String> stat = Files.readAllLines(procStat, StandardCharsets.US_ASCII);
            String self = Files.readString(selfStat, StandardCharsets.US_ASCII);
            long[] t = parseCpuLine(stat.get(0));
            int n = 0;
            for (String line : stat) if (line.startsWith("cpu") && Character.isDigit(line.charAt(3))) n++;
            cpus = Math.max(1, n);
            return new long[] {t[0], t[1], parseOwnTicks(self)};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** {busy, total} ticks of the aggregate "cpu" line: user nice system idle iowait irq softirq steal ... */
    static long[] parseCpuLine(String line) {
        String[] f = line.trim().split("\\s+");
        if (!f[0].equals("cpu") || f.length < 8) throw new IllegalArgumentException("not a cpu line: " + line);
        long user = Long.parseLong(f[1]), nice = Long.parseLong(f[2]), system = Long.parseLong(f[3]);
        long idle = Long.parseLong(f[4]), iowait = Long.parseLong(f[5]), irq = Long.parseLong(f[6]);
        long softirq = Long.parseLong(f[7]), steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
        long busy = user + nice + system + irq + softirq + steal; // guest time is already inside user
        return new long[] {busy, busy + idle + iowait};
    }

    /** utime + stime of /proc/self/stat (fields 14 and 15; the command name may hold spaces, so count from ')'). */
    static long parseOwnTicks(String self) {
        String[] f = self.substring(self.lastIndexOf(')') + 2).trim().split("\\s+");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
