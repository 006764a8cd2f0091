package dev.sluice.ingest;

import static dev.sluice.ingest.IngestHarness.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.model.LlmRequest;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An idempotency key sent again with another job, where this instance can tell: 409 and nothing
 * stored, for a job and for a batch; the same job again is still taken (the router answers it as
 * a duplicate).
 */
@SluiceKafka
class IngestIdempotencyIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static IngestHarness h;
    private static String key;

    @BeforeAll
    static void start(KafkaStack kafka) throws Exception {
        h = IngestHarness.start(kafka, Map.of());
        key = h.issueKey(h.putTenant("acme"));
        h.awaitKeyAnswered(key, 400);
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    private static String job(String content, String idempotencyKey) {
        return "{\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]"
                + (idempotencyKey == null ? "" : ",\"idempotencyKey\":\"" + idempotencyKey + "\"") + "}";
    }

    private static String batch(String... jobs) {
        return "{\"jobs\":[" + String.join(",", jobs) + "]}";
    }

    private static String requestId(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        return JSON.readTree(r.body()).path("requestId").asText();
    }

    private static List<String> fields(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).path("errors").findValuesAsText("field");
    }

    private static double conflictsCounted(String tenant) throws Exception {
        return h.metrics()
                .lines()
                .filter(l -> l.startsWith("sluice_ingest_idempotency_conflicts_total{")
                        && l.contains("tenant=\"" + tenant + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    @Test
    void shouldRefuseAKeySentAgainWithAnotherJobWith409AndStoreNothing() throws Exception {
        String original = requestId(h.post("/v1/jobs", job("Summarise A", "order-1"), key));
        double countedBefore = conflictsCounted("acme");
        Map<TopicPartition, Long> before = h.endOffsets();

        HttpResponse<String> inBody = h.post("/v1/jobs", job("Summarise B", "order-1"), key);
        HttpResponse<String> inHeader = h.post(
                "/v1/jobs",
                job("Summarise B", null),
                Map.of("Authorization", "Bearer " + key, "Idempotency-Key", "order-1"));

        assertProblem(inBody, 409, "idempotency-key-conflict", original);
        assertThat(fields(inBody)).containsExactly("idempotencyKey");
        assertProblem(inHeader, 409, "idempotency-key-conflict", original);
        assertThat(fields(inHeader)).containsExactly("Idempotency-Key");
        assertThat(conflictsCounted("acme")).isEqualTo(countedBefore + 2);
        h.assertNothingProducedSince(before, key);
    }

    @Test
    void shouldStillTakeTheSameJobAgainUnderItsKeyForTheRouterToAnswerAsADuplicate() throws Exception {
        requestId(h.post("/v1/jobs", job("Classify C", "order-2"), key));
        Map<TopicPartition, Long> before = h.endOffsets();

        String again = requestId(h.post(
                "/v1/jobs",
                job("Classify C", "order-2"),
                Map.of("Authorization", "Bearer " + key, "Idempotency-Key", "order-2")));

        List<LlmRequest> stored = h.recordsSince(before, h.topics.requests(), r -> !r.isEmpty()).stream()
                .map(r -> h.serdes.requests().deserializer().deserialize(h.topics.requests(), r.value()))
                .toList();
        assertThat(stored).singleElement().satisfies(r -> {
            assertThat(r.requestId()).isEqualTo(again);
            assertThat(r.idempotencyKey()).isEqualTo("order-2");
        });
    }

    @Test
    void shouldRefuseAWholeBatchWithAJobReusingAKeyNamingTheJob() throws Exception {
        String original = requestId(h.post("/v1/jobs", job("Extract D", "order-3"), key));
        Map<TopicPartition, Long> before = h.endOffsets();

        HttpResponse<String> conflicting =
                h.post("/v1/jobs:batch", batch(job("x", null), job("y", "order-4"), job("Extract E", "order-3")), key);

        assertProblem(conflicting, 409, "idempotency-key-conflict", "1 of the 3 jobs");
        assertThat(JSON.readTree(conflicting.body()).path("errors"))
                .singleElement()
                .satisfies(e -> {
                    assertThat(e.path("field").asText()).isEqualTo("jobs[2].idempotencyKey");
                    assertThat(e.path("message").asText()).contains(original);
                });
        h.assertNothingProducedSince(before, key);
        assertThat(h.post("/v1/jobs", job("another job", "order-4"), key).statusCode())
                .as("the batch's other keys were not kept")
                .isEqualTo(202);
    }

    @Test
    void shouldRefuseAJobReusingAKeyOfABatchJob() throws Exception {
        // Taken before the batch: its transaction's markers may land on the log after its 202.
        Map<TopicPartition, Long> before = h.endOffsets();
        List<String> batchIds = JSON.readTree(h.post("/v1/jobs:batch", batch(job("F", "order-5"), job("G", null)), key)
                        .body())
                .path("jobs")
                .findValuesAsText("requestId");

        HttpResponse<String> conflicting = h.post("/v1/jobs", job("H", "order-5"), key);

        assertProblem(conflicting, 409, "idempotency-key-conflict", batchIds.getFirst());
        String marker = requestId(h.post("/v1/jobs", job("marker", null), key));
        assertThat(h.recordsSince(before, h.topics.requests(), r -> r.size() >= 3))
                .extracting(r -> h.serdes
                        .requests()
                        .deserializer()
                        .deserialize(h.topics.requests(), r.value())
                        .requestId())
                .as("the batch's jobs and the marker, nothing of the refused job")
                .containsExactly(batchIds.get(0), batchIds.get(1), marker);
    }

    @Test
    void shouldRefuseTwoJobsOfOneBatchWithOneKeyAndDifferentJobsWith400() throws Exception {
        Map<TopicPartition, Long> before = h.endOffsets();

        HttpResponse<String> twice = h.post("/v1/jobs:batch", batch(job("I", "order-6"), job("J", "order-6")), key);

        assertProblem(twice, 400, "invalid-request", "nothing was accepted");
        assertThat(fields(twice)).containsExactly("jobs[1].idempotencyKey");
        h.assertNothingProducedSince(before, key);
    }

    @Test
    void shouldAnswerAConflictBeforeTheTenantsRequestLimit() throws Exception {
        String slow = h.limitedTenantKey("slowco", 1);
        requestId(h.post("/v1/jobs", job("K", "order-7"), slow));

        HttpResponse<String> conflicting = h.post("/v1/jobs", job("L", "order-7"), slow);

        assertProblem(conflicting, 409, "idempotency-key-conflict", "order-7");
        assertThat(conflictsCounted("slowco")).isEqualTo(1);
    }

    @Test
    void shouldForgetTheKeyOfAJobTheBrokerRefused() throws Exception {
        String big = IngestHarness.incompressibleJob().replace("}]}", "}],\"idempotencyKey\":\"order-8\"}");

        HttpResponse<String> refused = h.withSmallRequestRecords(() -> h.post("/v1/jobs", big, key));

        assertProblem(refused, 503, "unavailable", "");
        requestId(h.post("/v1/jobs", job("M", "order-8"), key));
    }
}
