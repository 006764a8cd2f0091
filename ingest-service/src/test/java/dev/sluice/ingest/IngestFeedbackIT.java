package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.model.Feedback;
import dev.sluice.model.JobState;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Feedback on a real broker: what reaches llm.feedback, and that a tenant can score only its own jobs. */
@SluiceKafka
class IngestFeedbackIT {
    private static IngestHarness h;
    private static SluiceSerdes serdes;
    private static Topics topics;
    private static String acme;
    private static String globex;

    @BeforeAll
    static void start(KafkaStack kafka) throws Exception {
        h = IngestHarness.start(kafka, Map.of());
        topics = h.topics;
        serdes = h.serdes;
        acme = h.issueKey(h.putTenant("acme"));
        globex = h.issueKey(h.putTenant("globex"));
        h.awaitKeyAnswered(acme, 400);
        h.awaitKeyAnswered(globex, 400);
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    @Test
    void shouldStoreTheScoreKeyedByTheTenantAndTakeOnlyTheJobsOwnTenants() throws Exception {
        h.putStatus("shared-id", "acme", JobState.SUCCEEDED);
        h.putStatus("failed-job", "acme", JobState.FAILED);
        await().alias("the jobs in the status table")
                .atMost(Duration.ofSeconds(30))
                .until(() -> h.get("/v1/jobs/failed-job", acme).statusCode() == 200);
        Map<TopicPartition, Long> before = h.endOffsets(topics.feedback());
        Instant sent = Instant.now();

        assertThat(h.post("/v1/jobs/shared-id/feedback", "{\"score\":0.25,\"label\":\"wrong-team\"}", acme)
                        .statusCode())
                .isEqualTo(202);
        assertThat(h.post("/v1/jobs/failed-job/feedback", "{\"score\":0}", acme).statusCode())
                .isEqualTo(202);
        // globex cannot score acme's job, whatever id it guesses, and learns nothing from trying.
        var refused = h.post("/v1/jobs/shared-id/feedback", "{\"score\":1}", globex);
        assertThat(refused.statusCode()).isEqualTo(404);
        assertThat(refused.body())
                .isEqualTo(h.post("/v1/jobs/never-was/feedback", "{\"score\":1}", globex)
                        .body()
                        .replace("never-was", "shared-id"));

        List<ConsumerRecord<String, byte[]>> records = h.recordsSince(before, topics.feedback(), r -> r.size() >= 2);
        List<Feedback> stored = records.stream()
                .map(r -> serdes.feedback().deserializer().deserialize(topics.feedback(), r.value()))
                .toList();
        assertThat(records).extracting(ConsumerRecord::key).containsOnly("acme");
        assertThat(stored)
                .extracting(Feedback::requestId, Feedback::tenantId, Feedback::score, Feedback::label)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("shared-id", "acme", 0.25, "wrong-team"),
                        org.assertj.core.groups.Tuple.tuple("failed-job", "acme", 0.0, null));
        assertThat(stored).allSatisfy(f -> assertThat(f.createdAt()).isAfterOrEqualTo(sent.minusSeconds(1)));
        assertThat(stored).extracting(Feedback::feedbackId).doesNotHaveDuplicates();
    }
}
