package dev.sluice.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice bench worker} end to end, small: both scenarios finish, every job completes, figures are printed. */
class WorkerBenchCommandIT {

    @Test
    void shouldMeasureTheWorkerAtBothLatenciesAndCompleteEveryJob(@TempDir Path dataDir) throws Exception {
        JsonNode json = BenchCli.run(
                "bench",
                "worker",
                "--jobs",
                "600",
                "--warmup",
                "200",
                "--in-flight",
                "100",
                "--latency-ms",
                "200",
                "--tenants",
                "10",
                "--json",
                "--data-dir",
                dataDir.toString());

        assertThat(json.path("scenarios")).hasSize(2);
        for (JsonNode s : json.path("scenarios")) {
            assertThat(s.path("outcomes").path("SUCCEEDED").asLong())
                    .as(s.path("name").asText())
                    .isEqualTo(200 + 600 + 100);
            assertThat(s.path("providerCalls").asLong()).isEqualTo(900);
            assertThat(s.path("jobsPerSecond").asLong()).isPositive();
            assertThat(s.path("cpuCores").path("simulator").asDouble()).isPositive();
            assertThat(s.path("cpuCores").path("broker").asDouble()).isPositive();
        }
        JsonNode slow = json.path("scenarios").get(1);
        assertThat(slow.path("boundJobsPerSecond").asLong()).isEqualTo(500);
        // Every job waits at least the simulator's latency between its start and its completion.
        assertThat(slow.path("startedToCompletedMs").path("p50").asLong()).isGreaterThanOrEqualTo(200);
        assertThat(slow.path("inFlightMax").asLong()).isBetween(1L, 100L);
    }
}
