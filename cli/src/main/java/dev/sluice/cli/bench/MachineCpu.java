package dev.sluice.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How busy the whole machine was, from the first line of Linux's {@code /proc/stat}. On a shared
 * machine this tells a figure measured with the cores to itself from one measured while something
 * else ran: the machine's busy cores minus the processes the benchmark knows.
 */
record MachineCpu(long busy, long total) {
    static final MachineCpu UNKNOWN = new MachineCpu(-1, -1);

    static MachineCpu read() {
        try {
            return parse(Files.readAllLines(Path.of("/proc/stat")).getFirst());
        } catch (IOException | RuntimeException e) {
            return UNKNOWN;
        }
    }

    /** {@code cpu user nice system idle iowait irq softirq steal ...}, in clock ticks summed over all cores. */
    static MachineCpu parse(String cpuLine) {
        String[] f = cpuLine.trim().split("\\s+");
        if (!f[0].equals("cpu") || f.length < 5) {
            return UNKNOWN;
        }
        long total = 0;
        // guest and guest_nice (fields 9 and 10) are already counted in user and nice.
        for (int i = 1; i < Math.min(f.length, 9); i++) {
            total += Long.parseLong(f[i]);
        }
        long idle = Long.parseLong(f[4]) + (f.length > 5 ? Long.parseLong(f[5]) : 0);
        return new MachineCpu(total - idle, total);
    }

    /** Cores busy between {@code earlier} and this reading, out of {@code cores}; NaN if unknown. */
    double busyCoresSince(MachineCpu earlier, int cores) {
        if (busy < 0 || earlier.busy < 0 || total <= earlier.total) {
            return Double.NaN;
        }
        return (double) (busy - earlier.busy) / (total - earlier.total) * cores;
    }
}
