package dev.sluice.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A renamed processor, store or internal topic would orphan state and repartition data: this catches it. */
class TopologyShapeTest {

    @Test
    void shouldKeepTheTopologyShapeSoInternalNamesNeverChangeByAccident() throws Exception {
        String expected;
        try (var in = getClass().getResourceAsStream("/router-topology.txt")) {
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try (RouterHarness h = new RouterHarness()) {
            String actual = h.topology(Duration.ofHours(24), Duration.ofMinutes(2))
                    .describe()
                    .toString();
            assertThat(actual.strip()).isEqualTo(expected.strip());
        }
    }
}
