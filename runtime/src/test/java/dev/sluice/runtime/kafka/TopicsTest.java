package dev.sluice.runtime.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.model.Priority;
import dev.sluice.model.Tier;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void shouldNameJobTopicsByTierAndPriorityHighFirst() {
        Topics topics = new Topics("llm.");
        assertThat(topics.job(Tier.SMALL, Priority.HIGH)).isEqualTo("llm.jobs.small.high");
        assertThat(topics.jobTopics(List.of(Tier.MEDIUM)))
                .containsExactly("llm.jobs.medium.high", "llm.jobs.medium.normal", "llm.jobs.medium.low");
        assertThatThrownBy(() -> topics.job(Tier.AUTO, Priority.LOW)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldGiveEveryTenantKeyedTopicTheSamePartitionCountAndTheDesignedCleanup() {
        Map<String, Topics.TopicSpec> specs = new Topics("x.")
                .all(TopicLayout.DEFAULT).stream().collect(Collectors.toMap(Topics.TopicSpec::name, s -> s));
        for (String tenantKeyed :
                List.of("x.requests", "x.completions", "x.cost-events", "x.results", "x.spend", "x.job-events")) {
            assertThat(specs.get(tenantKeyed).partitions()).as(tenantKeyed).isEqualTo(12);
        }
        for (String compacted : List.of("x.tenants", "x.api-keys", "x.batches", "x.job-status", "x.spend")) {
            assertThat(specs.get(compacted).configs()).as(compacted).containsEntry("cleanup.policy", "compact");
        }
        assertThat(specs.get("x.requests").configs()).containsEntry("retention.ms", Long.toString(7L * 86_400_000));
        assertThat(specs.get("x.dead-letters").configs())
                .containsEntry("retention.ms", Long.toString(30L * 86_400_000));
        assertThat(specs.get("x.api-keys").partitions()).isEqualTo(1);
        assertThat(specs).containsKeys("x.jobs.large.low", "x.jobs.batch", "x.webhooks.retry.5");
        assertThat(specs.keySet()).allMatch(n -> n.startsWith("x."));
    }

    @Test
    void shouldSayOneInSyncReplicaForTopicsOfOneReplicaSoAClusterDefaultOfTwoCannotRefuseTheirWrites() {
        assertThat(new Topics("llm.").all(new TopicLayout(12, 6, (short) 1, 5)))
                .allSatisfy(s -> assertThat(s.configs()).containsEntry("min.insync.replicas", "1"));
    }

    @Test
    void shouldRequireTwoInSyncReplicasWhenReplicated() {
        var specs = new Topics("llm.").all(new TopicLayout(12, 6, (short) 3, 5));
        assertThat(specs).allSatisfy(s -> {
            assertThat(s.replication()).isEqualTo((short) 3);
            assertThat(s.configs()).containsEntry("min.insync.replicas", "2");
        });
    }

    @Test
    void shouldNameATenantsRequestTopicAndFindTheTenantOfOne() {
        Topics topics = new Topics("llm.");
        assertThat(topics.tenantRequests("acme")).contains("llm.requests.acme");
        assertThat(topics.tenantRequests("acme.eu-1")).contains("llm.requests.acme.eu-1");
        assertThat(topics.tenantRequests("has space")).isEmpty();
        assertThat(topics.tenantOfRequestTopic("llm.requests.acme")).contains("acme");
        assertThat(topics.tenantOfRequestTopic("llm.requests")).isEmpty();
        assertThat(topics.tenantOfRequestTopic("llm.requestsx")).isEmpty();
        assertThat(topics.tenantOfRequestTopic("other.requests.acme")).isEmpty();
        assertThat(topics.tenantRequestsPattern().matcher("llm.requests").matches())
                .isFalse();
        assertThat(topics.tenantRequestsPattern().matcher("llm.requests.acme").matches())
                .isTrue();
    }

    @Test
    void shouldCreateEveryTopicToTakeTheRecordLimitWithHeadroomAndBatchesMore() {
        var specs = new Topics("llm.")
                .all(new TopicLayout(12, 6, (short) 1, 5, 2_000_000)).stream()
                        .collect(Collectors.toMap(Topics.TopicSpec::name, s -> s));
        assertThat(specs.get("llm.results").configs())
                .containsEntry("max.message.bytes", Integer.toString(2_000_000 + TopicLayout.HEADROOM_BYTES));
        assertThat(specs.get("llm.batches").configs())
                .containsEntry("max.message.bytes", Integer.toString(Topics.BATCH_RECORD_BYTES));
    }
}
