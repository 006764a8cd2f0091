package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoSummaryTest {

    private static DemoSummary summary(int submitted, int results, int verified) {
        return summary(submitted, results, verified, List.of());
    }

    private static DemoSummary summary(int submitted, int results, int verified, List<String> unexpected) {
        return new DemoSummary(
                submitted,
                0,
                50,
                results,
                Map.of("SUCCEEDED", results - 3, "REJECTED", 3),
                Map.of("BUDGET_EXCEEDED", 2, "INJECTION_SUSPECTED", 1),
                Map.of("NORMAL", submitted),
                Map.of("llm.jobs.batch", 2),
                4,
                1,
                5,
                unexpected,
                results,
                verified,
                1000,
                2000,
                1_234_567,
                2,
                1_500,
                3_100,
                300,
                800,
                950,
                Map.of("accepted→routed", 40L),
                55.5,
                3600,
                DemoStatusCheck.Outcome.NONE);
    }

    @Test
    void shouldUseNearestRankPercentiles() {
        long[] sorted = DemoSummary.sorted(new long[] {50, 10, 40, 20, 30, 100, 90, 80, 70, 60});
        assertThat(Percentiles.nearestRank(sorted, 50)).isEqualTo(50);
        assertThat(Percentiles.nearestRank(sorted, 95)).isEqualTo(100);
        assertThat(Percentiles.nearestRank(sorted, 10)).isEqualTo(10);
        assertThat(Percentiles.nearestRank(new long[0], 50)).isZero();
    }

    @Test
    void shouldPrintTheKeysScriptsRelyOn() throws Exception {
        JsonNode json = new ObjectMapper().readTree(summary(200, 200, 200).json());
        assertThat(json.fieldNames())
                .toIterable()
                .contains(
                        "submitted",
                        "results",
                        "byStatus",
                        "webhooksReceived",
                        "webhooksVerified",
                        "costMicros",
                        "latencyMs",
                        "jobsPerSecond");
        assertThat(json.path("latencyMs").path("p95").asLong()).isEqualTo(800);
        assertThat(json.path("costMicros").asLong()).isEqualTo(1_234_567);
        assertThat(json.path("byStatus").path("SUCCEEDED").asInt()).isEqualTo(197);
    }

    @Test
    void shouldCountReasonsCacheHitsAndDuplicatesInTheJson() throws Exception {
        JsonNode json = new ObjectMapper().readTree(summary(200, 200, 200).json());
        assertThat(json.path("byReason").path("BUDGET_EXCEEDED").asInt()).isEqualTo(2);
        assertThat(json.path("byReason").path("INJECTION_SUSPECTED").asInt()).isEqualTo(1);
        assertThat(json.path("cacheHits").asInt()).isEqualTo(4);
        assertThat(json.path("duplicates").asInt()).isEqualTo(5);
        assertThat(json.path("byRoute").path("llm.jobs.batch").asInt()).isEqualTo(2);
        assertThat(json.path("unexpected").asInt()).isZero();
        assertThat(summary(200, 200, 200).table())
                .contains("BUDGET_EXCEEDED")
                .contains("exact cache hits")
                .contains("llm.jobs.batch");
    }

    @Test
    void shouldSayWhatProviderBatchesSavedAgainstListPrice() throws Exception {
        JsonNode batch =
                new ObjectMapper().readTree(summary(200, 200, 200).json()).path("batch");
        assertThat(batch.path("jobs").asInt()).isEqualTo(2);
        assertThat(batch.path("costMicros").asLong()).isEqualTo(1_500);
        assertThat(batch.path("savedMicros").asLong()).isEqualTo(1_600);
        assertThat(summary(200, 200, 200).table())
                .contains("jobs in provider batches")
                .contains("cost $0.001500, saved $0.001600 against list price");
    }

    @Test
    void shouldExitNonZeroWhenAJobHasNoResultOrAWebhookDidNotVerify() {
        assertThat(summary(200, 200, 200).exitCode()).isZero();
        assertThat(summary(200, 199, 199).exitCode()).isEqualTo(1);
        assertThat(summary(200, 200, 198).exitCode()).isEqualTo(1);
    }

    @Test
    void shouldExitNonZeroWhenAnOutcomeIsNotWhatItsKindOfJobShouldComeTo() {
        DemoSummary summary = summary(200, 200, 200, List.of("DUPLICATE r-1: expected a duplicate"));
        assertThat(summary.exitCode()).isEqualTo(1);
        assertThat(summary.table()).contains("unexpected outcomes").contains(" 1");
    }

    @Test
    void shouldShowMoneyAsDollarsWithoutFloatingPoint() {
        assertThat(DemoSummary.dollars(1_234_567)).isEqualTo("$1.234567");
        assertThat(DemoSummary.dollars(44_283)).isEqualTo("$0.044283");
        assertThat(summary(1, 1, 1).table()).contains("$1.234567").contains("p50 300 ms");
    }

    @Test
    void shouldShowTheStatusApiAndExitNonZeroWhenAnotherTenantCouldReadAJob() throws Exception {
        DemoSummary base = summary(200, 200, 200);
        DemoStatusCheck.Outcome seen = new DemoStatusCheck.Outcome(
                200, 200, true, List.of("ACCEPTED", "QUEUED", "RUNNING", "SUCCEEDED"), List.of());
        DemoSummary checked = withStatus(base, seen);
        JsonNode status = new ObjectMapper().readTree(checked.json()).path("statusApi");
        assertThat(status.path("agreeing").asInt()).isEqualTo(200);
        assertThat(status.path("isolated").asBoolean()).isTrue();
        assertThat(status.path("stream"))
                .extracting(JsonNode::asText)
                .containsExactly("ACCEPTED", "QUEUED", "RUNNING", "SUCCEEDED");
        assertThat(checked.table()).contains("200 of 200 agree").contains("ACCEPTED → QUEUED → RUNNING → SUCCEEDED");
        assertThat(checked.exitCode()).isZero();

        DemoSummary leaky = withStatus(base, new DemoStatusCheck.Outcome(200, 200, false, seen.stream(), List.of()));
        assertThat(leaky.exitCode()).isEqualTo(1);
        assertThat(leaky.table()).contains("WAS NOT REFUSED");

        DemoSummary oneTenant = withStatus(base, new DemoStatusCheck.Outcome(1, 1, null, seen.stream(), List.of()));
        assertThat(oneTenant.exitCode()).as("nothing to refuse with one tenant").isZero();
        assertThat(new ObjectMapper()
                        .readTree(oneTenant.json())
                        .path("statusApi")
                        .has("isolated"))
                .isFalse();
    }

    private static DemoSummary withStatus(DemoSummary s, DemoStatusCheck.Outcome status) {
        return new DemoSummary(
                s.submitted(),
                s.notAccepted(),
                s.warmupJobs(),
                s.results(),
                s.byStatus(),
                s.byReason(),
                s.byKind(),
                s.byRoute(),
                s.cacheHits(),
                s.semanticHits(),
                s.duplicates(),
                s.unexpected(),
                s.webhooksReceived(),
                s.webhooksVerified(),
                s.inputTokens(),
                s.outputTokens(),
                s.costMicros(),
                s.batchJobs(),
                s.batchCostMicros(),
                s.batchListPriceMicros(),
                s.p50Ms(),
                s.p95Ms(),
                s.p99Ms(),
                s.stageP50Ms(),
                s.jobsPerSecond(),
                s.durationMs(),
                status);
    }
}
