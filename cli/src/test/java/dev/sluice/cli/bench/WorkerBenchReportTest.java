package dev.sluice.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class WorkerBenchReportTest {

    @Test
    void shouldTakeNearestRankPercentiles() {
        long[] hundred = LongStream.rangeClosed(1, 100).toArray();

        assertThat(dev.sluice.cli.Percentiles.nearestRank(hundred, 50)).isEqualTo(50);
        assertThat(dev.sluice.cli.Percentiles.nearestRank(hundred, 99)).isEqualTo(99);
        assertThat(dev.sluice.cli.Percentiles.nearestRank(hundred, 100)).isEqualTo(100);
        assertThat(dev.sluice.cli.Percentiles.nearestRank(new long[] {7, 9}, 50))
                .isEqualTo(7);
        assertThat(dev.sluice.cli.Percentiles.nearestRank(new long[] {7}, 99)).isEqualTo(7);
        assertThat(dev.sluice.cli.Percentiles.nearestRank(new long[0], 50)).isZero();
    }

    @Test
    void shouldCompareThroughputWithWhatTheSlotsAllowAtThatLatency() {
        WorkerBenchReport report = new WorkerBenchReport(10);
        WorkerBenchReport.Scenario slow = new WorkerBenchReport.Scenario("1 s", 1000, 2000, 100, 3000, 2000);
        slow.measuredSeconds = 2.0;
        slow.workerCpuCores = 0.75;
        WorkerBenchReport.Scenario zero = new WorkerBenchReport.Scenario("zero", 0, 2000, 100, 1000, 2000);
        zero.measuredSeconds = 4.0;
        report.scenarios.addAll(List.of(zero, slow));

        JsonNode json = readJson(report.json());

        JsonNode s = json.path("scenarios").get(1);
        assertThat(s.path("jobsPerSecond").asLong()).isEqualTo(1500);
        assertThat(s.path("boundJobsPerSecond").asLong()).isEqualTo(2000);
        assertThat(s.path("percentOfBound").asDouble()).isEqualTo(75.0);
        assertThat(s.path("cpuMicrosPerJob").path("worker").asLong()).isEqualTo(500);
        assertThat(json.path("scenarios").get(0).has("boundJobsPerSecond"))
                .as("no bound without latency")
                .isFalse();
        assertThat(report.table()).contains("1,500 jobs/s", "bound 2,000 jobs/s", "75%", "250 jobs/s");
    }

    private static JsonNode readJson(String text) {
        try {
            return new ObjectMapper().readTree(text);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
