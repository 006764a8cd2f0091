package dev.sluice.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Resident memory of a process as Linux reports it in {@code /proc/PID/status}. The peak (VmHWM)
 * can be reset by writing 5 to {@code /proc/PID/clear_refs} (Linux 4.0+, own processes), so a
 * benchmark can report the peak of its measured share alone. Elsewhere every figure is -1.
 */
final class ProcessMemory {
    private ProcessMemory() {}

    /** Resets the peak to the current RSS; false when the OS does not allow it. */
    static boolean resetPeak(long pid) {
        try {
            Files.writeString(Path.of("/proc", Long.toString(pid), "clear_refs"), "5");
            return true;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    /** Peak resident set (VmHWM) in bytes, since start or the last reset; -1 if unknown. */
    static long peakRss(long pid) {
        return field(pid, "VmHWM:");
    }

    /** Current resident set (VmRSS) in bytes; -1 if unknown. */
    static long rss(long pid) {
        return field(pid, "VmRSS:");
    }

    static long field(long pid, String name) {
        if (pid < 0) {
            return -1;
        }
        try {
            return parse(Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")), name);
        } catch (IOException | SecurityException e) {
            return -1;
        }
    }

    /** The value of a {@code Name:   1234 kB} line, in bytes; -1 if absent. */
    static long parse(List<String> status, String name) {
        for (String line : status) {
            if (line.startsWith(name)) {
                String[] parts = line.substring(name.length()).trim().split("\\s+");
                long value = Long.parseLong(parts[0]);
                return parts.length > 1 && parts[1].equalsIgnoreCase("kB") ? value * 1024 : value;
            }
        }
        return -1;
    }
}
