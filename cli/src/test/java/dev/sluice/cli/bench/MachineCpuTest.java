package dev.sluice.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class MachineCpuTest {

    @Test
    void shouldCountIdleAndIowaitAsNotBusyAndLeaveGuestTimeOut() {
        MachineCpu before = MachineCpu.parse("cpu  1000 0 200 5000 100 0 20 0 300 0");
        MachineCpu after = MachineCpu.parse("cpu  1150 0 230 5100 120 0 20 0 400 0");

        assertThat(before.busy()).isEqualTo(1220);
        assertThat(before.total()).isEqualTo(6320);
        // 180 busy ticks out of 300: 60% of two cores.
        assertThat(after.busyCoresSince(before, 2)).isCloseTo(1.2, within(1e-9));
    }

    @Test
    void shouldSayNothingWhenALineIsMissingOrNotTheTotal() {
        assertThat(MachineCpu.parse("cpu0 1 2 3 4 5")).isEqualTo(MachineCpu.UNKNOWN);
        assertThat(MachineCpu.parse("cpu 1 2 3 4").busyCoresSince(MachineCpu.UNKNOWN, 2))
                .isNaN();
    }
}
