package dev.sluice.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice bench pipeline} end to end, small: every part a process, every job answered, and
 * the figures it prints account for what ran.
 */
class PipelineBenchCommandIT {

    @Test
    void shouldRunTheWholePipelineAgainstKafkasCeilingAndAccountForEveryJob(@TempDir Path dataDir) throws Exception {
        JsonNode json = BenchCli.run(
                "bench",
                "pipeline",
                "--jobs",
                "300",
                "--warmup",
                "100",
                "--rates",
                "100",
                "--steady-seconds",
                "3",
                "--ceiling-records",
                "5000",
                "--c1",
                "--service-heap-mb",
                "256",
                "--jfr",
                dataDir.resolve("jfr").toString(),
                "--budget-micros",
                "1000000000000",
                "--json",
                "--data-dir",
                dataDir.toString());

        assertThat(json.path("ceiling").path("producedPerSecond").asLong()).isPositive();
        assertThat(json.path("ceiling").path("consumedPerSecond").asLong()).isPositive();

        JsonNode burst = json.path("burst");
        assertThat(burst.path("results").asLong()).isEqualTo(300);
        assertThat(burst.path("succeeded").asLong()).isEqualTo(300);
        assertThat(burst.path("jobsPerSecond").asLong()).isPositive();
        // The load generator's own producer writes one request a job, and no transaction markers.
        assertThat(burst.path("recordsPerTopic").path("llm.requests").asDouble())
                .isEqualTo(1.0);
        // Each job writes at least its request, job, completion, cost event and result.
        assertThat(burst.path("recordsPerJob").asDouble()).isBetween(5.0, 60.0);
        for (String topic :
                new String[] {"llm.jobs.medium.normal", "llm.completions", "llm.cost-events", "llm.results"}) {
            assertThat(burst.path("recordsPerTopic").path(topic).asDouble())
                    .as(topic)
                    .isGreaterThanOrEqualTo(1.0);
        }
        // Every tenant has a budget, so the router keeps its totals: its budget store is written.
        assertThat(json.path("budgetMicros").asLong()).isEqualTo(1_000_000_000_000L);
        assertThat(burst.path("recordsPerTopic")
                        .path("sluice-router-budget-store-changelog")
                        .asDouble())
                .isPositive();
        assertThat(burst.path("efficiency").asDouble()).isPositive();
        assertThat(burst.path("stagesMs").path("end to end").path("p50").asLong())
                .isPositive();
        assertThat(burst.path("stagesMs").path("end to end").path("p99").asLong())
                .isGreaterThanOrEqualTo(
                        burst.path("stagesMs").path("end to end").path("p50").asLong());
        for (String part :
                new String[] {"kafka-broker", "router-stream", "worker-pool", "result-sink", "provider-sim"}) {
            JsonNode p = burst.path("processes").path(part);
            assertThat(p.path("cores").asDouble()).as(part + " CPU").isPositive();
            assertThat(p.path("peakRssMiB").asLong()).as(part + " memory").isPositive();
        }

        assertThat(burst.path("servicesPeakRssMiB").asLong())
                .isPositive()
                .isLessThan(burst.path("peakRssMiB").asLong());

        for (String service : PipelineReport.SERVICES) {
            assertThat(dataDir.resolve("jfr").resolve("burst-" + service + ".jfr"))
                    .as("a flight recording")
                    .isNotEmptyFile();
        }

        JsonNode steady = json.path("steady").path(0);
        assertThat(steady.path("offeredPerSecond").asLong()).isEqualTo(100);
        assertThat(steady.path("results").asLong()).isEqualTo(300);
        assertThat(steady.path("succeeded").asLong()).isEqualTo(300);
    }
}
