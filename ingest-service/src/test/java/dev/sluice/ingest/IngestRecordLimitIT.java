package dev.sluice.ingest;

import static dev.sluice.ingest.IngestHarness.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import java.net.http.HttpResponse;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A job within the request limits but too large as a record (the limits set above
 * topics.max.record.bytes): the job is at fault, so 413, not a 503 that invites a retry.
 */
@SluiceKafka
class IngestRecordLimitIT {
    private static IngestHarness h;
    private static String key;

    @BeforeAll
    static void start(KafkaStack kafka) throws Exception {
        h = IngestHarness.start(kafka, Map.of("topics.max.record.bytes", "64KB"));
        key = h.issueKey(h.putTenant("acme"));
        h.awaitKeyAnswered(key, 400);
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    @Test
    void shouldAnswer413ForAJobTooLargeForItsTopicAndStoreNothing() throws Exception {
        Map<TopicPartition, Long> before = h.endOffsets();

        HttpResponse<String> big = h.post(
                "/v1/jobs", "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(100_000) + "\"}]}", key);

        assertProblem(big, 413, "body-too-large", "at most 65536 fit");
        assertThat(big.headers().firstValue("Retry-After")).isEmpty();
        h.assertNothingProducedSince(before, key);
        assertThat(h.post("/v1/jobs", "{\"messages\":[{\"role\":\"user\",\"content\":\"small\"}]}", key)
                        .statusCode())
                .isEqualTo(202);
    }
}
