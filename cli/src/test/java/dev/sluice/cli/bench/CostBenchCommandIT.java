package dev.sluice.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice bench cost} end to end, small: the three runs answer every job, the ledger is exact
 * (results = cost events = llm.spend), what the configured run decides shows in its figures, and
 * the policy run follows the policy its eval wrote.
 */
class CostBenchCommandIT {

    @Test
    void shouldRunTheWorkloadNaiveAndConfiguredWithAnExactLedger(@TempDir Path dataDir) throws Exception {
        JsonNode json = BenchCli.run("bench", "cost", "--jobs", "300", "--json", "--data-dir", dataDir.toString());

        assertThat(json.path("ledgerExact").asBoolean())
                .as(json.path("ledgerProblems").toString())
                .isTrue();
        for (String run : new String[] {"naive", "configured", "policy"}) {
            assertThat(json.path(run).path("results").asInt()).as(run).isEqualTo(300);
            assertThat(json.path(run).path("spentMicros").asLong()).as(run).isPositive();
        }
        JsonNode naive = json.path("naive");
        JsonNode configured = json.path("configured");
        assertThat(naive.path("batchJobs").asInt()).as("naive never batches").isZero();
        assertThat(naive.path("cacheHits").asInt())
                .as("naive has Sluice's cache off")
                .isZero();
        assertThat(configured.path("cacheHits").asInt())
                .as("duplicates served from the exact cache")
                .isPositive();
        assertThat(configured.path("byKind").path("duplicate").asLong()).isZero();
        assertThat(configured.path("byModel").has("gpt-4.1-nano"))
                .as("AUTO reaches SMALL behind a long prompt")
                .isTrue();
        assertThat(json.path("ratio").asDouble()).isBetween(0.05, 0.9);
        assertThat(json.path("lowerBoundMicros").asLong())
                .isPositive()
                .isLessThanOrEqualTo(configured.path("spentMicros").asLong());

        // The eval chose a model per category for each provider; the policy run's analysis jobs went there.
        JsonNode policy = json.path("policy");
        for (String provider : new String[] {"openai", "anthropic"}) {
            JsonNode chosen = json.path("policies").path(provider);
            assertThat(chosen.has("analysis")).as(provider + ": " + chosen).isTrue();
            assertThat(policy.path("byModel").has(chosen.path("analysis").asText()))
                    .as(provider)
                    .isTrue();
        }
        assertThat(json.path("policyRatio").asDouble()).isPositive();
    }
}
