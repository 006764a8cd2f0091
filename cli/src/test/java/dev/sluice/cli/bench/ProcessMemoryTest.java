package dev.sluice.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProcessMemoryTest {

    @Test
    void shouldReadKilobyteFieldsOfProcStatusAsBytes() {
        List<String> status = List.of(
                "Name:\tjava", "VmPeak:\t 5000000 kB", "VmHWM:\t  123456 kB", "VmRSS:\t  100000 kB", "Threads:\t42");

        assertThat(ProcessMemory.parse(status, "VmHWM:")).isEqualTo(123_456L * 1024);
        assertThat(ProcessMemory.parse(status, "VmRSS:")).isEqualTo(100_000L * 1024);
        assertThat(ProcessMemory.parse(status, "VmSwap:")).isEqualTo(-1);
    }

    @Test
    void shouldReadThisProcessesResidentMemoryOnLinux() {
        long self = ProcessHandle.current().pid();
        assumeTrue(Files.exists(Path.of("/proc", Long.toString(self), "status")), "Linux /proc only");

        long rss = ProcessMemory.rss(self);

        assertThat(rss).isGreaterThan(1L << 20);
        assertThat(ProcessMemory.peakRss(self)).isGreaterThanOrEqualTo(rss);
        assertThat(ProcessMemory.peakRss(-1)).isEqualTo(-1);
    }
}
