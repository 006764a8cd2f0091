package dev.sluice.cli.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU and memory of a set of processes over one share of a benchmark: CPU time from the OS at the
 * start and the end, and each process's peak resident set (reset at the start, see
 * {@link ProcessMemory}).
 */
final class ProcessMeter {

    /** One process over the share: cores busy on average, and its peak and final resident set. */
    record Reading(double cores, long peakRssBytes, long rssBytes) {}

    private final Map<String, Long> pids;
    private final Map<String, Long> cpuAtStart = new LinkedHashMap<>();
    private final long wallStart;
    private final MachineCpu machineAtStart;

    private ProcessMeter(Map<String, Long> pids) {
        this.pids = new LinkedHashMap<>(pids);
        pids.forEach((name, pid) -> {
            ProcessMemory.resetPeak(pid);
            cpuAtStart.put(name, cpuNanos(pid));
        });
        machineAtStart = MachineCpu.read();
        wallStart = System.nanoTime();
    }

    static ProcessMeter start(Map<String, Long> pids) {
        return new ProcessMeter(pids);
    }

    /** Each process's reading since the start, in the order given, and "machine" busy cores under that name. */
    Result stop() {
        double seconds = (System.nanoTime() - wallStart) / 1e9;
        Map<String, Reading> readings = new LinkedHashMap<>();
        pids.forEach((name, pid) -> readings.put(
                name,
                new Reading(
                        (cpuNanos(pid) - cpuAtStart.get(name)) / 1e9 / seconds,
                        ProcessMemory.peakRss(pid),
                        ProcessMemory.rss(pid))));
        return new Result(
                readings,
                MachineCpu.read()
                        .busyCoresSince(machineAtStart, Runtime.getRuntime().availableProcessors()),
                seconds);
    }

    /** The readings, the whole machine's busy cores over the same window, and the window's length. */
    record Result(Map<String, Reading> processes, double machineBusyCores, double seconds) {
        double totalCores() {
            return processes.values().stream().mapToDouble(Reading::cores).sum();
        }

        long totalPeakRssBytes() {
            return processes.values().stream()
                    .mapToLong(r -> Math.max(0, r.peakRssBytes()))
                    .sum();
        }

        /** The peak resident sets of the named processes, summed (each its own peak). */
        long peakRssBytesOf(java.util.Collection<String> names) {
            return names.stream()
                    .map(processes::get)
                    .filter(java.util.Objects::nonNull)
                    .mapToLong(r -> Math.max(0, r.peakRssBytes()))
                    .sum();
        }
    }

    private static long cpuNanos(long pid) {
        return ProcessHandle.of(pid)
                .flatMap(h -> h.info().totalCpuDuration())
                .map(Duration::toNanos)
                .orElse(0L);
    }
}
