package dev.sluice.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

class PipelineReportTest {

    @Test
    void shouldCountRecordsPerJobOnSluicesTopicsAndTheBrokersOwnApart() {
        var share = new PipelineReport.Share(
                100,
                0,
                List.of(),
                new ProcessMeter.Result(Map.of(), 1.0, 1.0),
                Map.of(
                        "llm.requests",
                        100L,
                        "llm.results",
                        105L,
                        "sluice-sink-x-changelog",
                        95L,
                        "__consumer_offsets",
                        30L,
                        "__transaction_state",
                        20L));

        assertThat(share.recordsPerJob()).isEqualTo(3.0);
        assertThat(share.brokerRecordsPerJob()).isEqualTo(0.5);
    }

    @Test
    void shouldTimeAShareFromItsFirstSendToItsLastResultAndLeaveStagesOutThatAResultSkipped() {
        // created, routed, started, completed, read; the second was answered by the router (no routed, no started).
        var results = List.of(
                new ResultClock.Times(1_000, 1_010, 1_050, 1_060, 1_200, true),
                new ResultClock.Times(1_000, -1, -1, 1_020, 3_000, false));
        var share = new PipelineReport.Share(2, 1_000, results, new ProcessMeter.Result(Map.of(), 1.0, 1.0), Map.of());

        assertThat(share.seconds()).isEqualTo(2.0);
        assertThat(share.jobsPerSecond()).isEqualTo(1.0);
        assertThat(share.succeeded()).isEqualTo(1);
        assertThat(share.stage(PipelineReport.STAGES.get("routed → started"))).containsExactly(40);
        assertThat(share.stage(PipelineReport.STAGES.get("end to end"))).containsExactly(200, 2_000);
    }

    @Test
    void shouldSpreadTenantsEvenlyOverThePartitions() {
        List<String> tenants = PipelineBenchCommand.tenantsOverPartitions(12, 6);

        assertThat(tenants).hasSize(12).doesNotHaveDuplicates();
        int[] per = new int[6];
        tenants.forEach(
                t -> per[Utils.toPositive(Utils.murmur2(t.getBytes(java.nio.charset.StandardCharsets.UTF_8))) % 6]++);
        assertThat(per).containsOnly(2);
    }

    @Test
    void shouldCountWhatEachTopicGainedAndLeaveOutTopicsThatGainedNothing() {
        assertThat(TopicTally.delta(Map.of("a", 10L, "b", 5L), Map.of("a", 25L, "b", 5L, "c", 3L)))
                .containsExactly(Map.entry("a", 15L), Map.entry("c", 3L));
    }
}
