package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoSummaryTest {

    private static DemoSummary summary(int submitted, int results, int verified) {
        return new DemoSummary(submitted, 0, 50, results, Map.of("SUCCEEDED", results), Map.of(), results, verified,
                1000, 2000, 1_234_567, 300, 800, 950, Map.of("accepted→routed", 40L), 55.5, 3600);
    }

    @Test
    void shouldUseNearestRankPercentiles() {
        long[] sorted = DemoSummary.sorted(new long[] {50, 10, 40, 20, 30, 100, 90, 80, 70, 60});
        assertThat(DemoSummary.percentile(sorted, 50)).isEqualTo(50);
        assertThat(DemoSummary.percentile(sorted, 95)).isEqualTo(100);
        assertThat(DemoSummary.percentile(sorted, 10)).isEqualTo(10);
        assertThat(DemoSummary.percentile(new long[0], 50)).isZero();
    }

    @Test
    void shouldPrintTheKeysScriptsRelyOn() throws Exception {
        JsonNode json = new ObjectMapper().readTree(summary(200, 200, 200).json());
        assertThat(json.fieldNames()).toIterable().contains("submitted", "results", "byStatus", "webhooksReceived",
                "webhooksVerified", "costMicros", "latencyMs", "jobsPerSecond");
        assertThat(json.path("latencyMs").path("p95").asLong()).isEqualTo(800);
        assertThat(json.path("costMicros").asLong()).isEqualTo(1_234_567);
        assertThat(json.path("byStatus").path("SUCCEEDED").asInt()).isEqualTo(200);
    }

    @Test
    void shouldExitNonZeroWhenAJobHasNoResultOrAWebhookDidNotVerify() {
        assertThat(summary(200, 200, 200).exitCode()).isZero();
        assertThat(summary(200, 199, 199).exitCode()).isEqualTo(1);
        assertThat(summary(200, 200, 198).exitCode()).isEqualTo(1);
    }

    @Test
    void shouldShowMoneyAsDollarsWithoutFloatingPoint() {
        assertThat(DemoSummary.dollars(1_234_567)).isEqualTo("$1.234567");
        assertThat(DemoSummary.dollars(44_283)).isEqualTo("$0.044283");
        assertThat(summary(1, 1, 1).table()).contains("$1.234567").contains("p50 300 ms");
    }
}
