package dev.sluice.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice bench router} end to end, small: it must finish, count what it measured and print it. */
class RouterBenchCommandIT {

    @Test
    void shouldMeasureTheRouterAndAccountForEveryRequest(@TempDir Path dataDir) throws Exception {
        JsonNode json = BenchCli.run(
                "bench",
                "router",
                "--requests",
                "2000",
                "--warmup",
                "500",
                "--tenants",
                "10",
                "--rate",
                "100",
                "--latency-seconds",
                "2",
                "--json",
                "--data-dir",
                dataDir.toString());

        assertThat(json.path("requestsPerSecond").asLong()).isPositive();
        assertThat(json.path("rekeyed").asLong()).isEqualTo(200);
        long jobs = sum(json.path("jobs"));
        long completions = sum(json.path("completions"));
        // Duplicates and cache followers of jobs that never finish (no worker runs) wait, and produce nothing.
        assertThat(jobs + completions).isBetween(2_500L * 70 / 100, 2_700L);
        assertThat(json.path("jobs").path("llm.jobs.batch").asLong()).isPositive();
        assertThat(json.path("completions").path("DEADLINE_PASSED").asLong()).isPositive();
        assertThat(json.path("completions").path("INJECTION_SUSPECTED").asLong())
                .isPositive();
        assertThat(json.path("latency").path("answered").asLong()).isPositive();
        assertThat(json.path("latency").path("p50Ms").asDouble()).isPositive();
    }

    @Test
    void shouldReportTheSemanticTenantsApartWithTheirEmbeddingsFromTheSimulatorsEndpoint(@TempDir Path dataDir)
            throws Exception {
        JsonNode json = BenchCli.run(
                "bench",
                "router",
                "--requests",
                "1000",
                "--warmup",
                "0",
                "--tenants",
                "10",
                "--rate",
                "50",
                "--latency-seconds",
                "2",
                "--semantic-share",
                "0.5",
                "--semantic-embedder",
                "openai",
                "--embed-threads",
                "2",
                "--json",
                "--data-dir",
                dataDir.toString());

        JsonNode semantic = json.path("semantic");
        assertThat(semantic.path("embedder").asText()).startsWith("openai (simulator");
        assertThat(semantic.path("embeddedAhead").asLong()
                        + semantic.path("embeddedOnStreamThread").asLong())
                .as("the semantic tenants' requests were embedded")
                .isPositive();
        assertThat(json.path("latency").path("semanticTenants").path("answered").asLong())
                .isPositive();
        assertThat(json.path("latency").path("answered").asLong())
                .as("the others apart")
                .isPositive();
    }

    private static long sum(JsonNode counts) {
        long total = 0;
        for (JsonNode n : counts) {
            total += n.asLong();
        }
        return total;
    }
}
