package dev.sluice.ingest;

import static dev.sluice.ingest.IngestHarness.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.model.LlmRequest;
import dev.sluice.runtime.Tracing;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code POST /v1/jobs:batch} on a real broker: all jobs of a batch or none, in one transaction. */
@SluiceKafka
class IngestBatchIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JOB = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static IngestHarness h;
    private static String key;

    @BeforeAll
    static void start(KafkaStack kafka) throws Exception {
        h = IngestHarness.start(kafka, Map.of("ingest.max.body.bytes", "8192", "ingest.batch.max.body.bytes", "256KB"));
        key = h.issueKey(h.putTenant("acme"));
        h.putTenant("globex");
        h.awaitKeyAnswered(key, 400);
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    private static String batch(List<String> jobs) {
        return "{\"jobs\":[" + String.join(",", jobs) + "]}";
    }

    private static String batchOf(int n) {
        return batch(Collections.nCopies(n, JOB));
    }

    private static List<String> fields(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).path("errors").findValuesAsText("field");
    }

    @Test
    void shouldStoreEveryJobAndItsAcceptedStatusAndAnswerTheirIdsInOrder() throws Exception {
        Map<TopicPartition, Long> before = h.endOffsets();
        String traceparent = Tracing.newTraceparent();
        List<String> jobs = new ArrayList<>(Collections.nCopies(5, JOB));
        jobs.set(2, "{\"idempotencyKey\":\"order-7\"," + JOB.substring(1));
        jobs.set(4, "{\"tenantId\":\"acme\"," + JOB.substring(1));

        HttpResponse<String> response = h.post(
                "/v1/jobs:batch", batch(jobs), Map.of("Authorization", "Bearer " + key, "traceparent", traceparent));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        JsonNode answer = JSON.readTree(response.body());
        assertThat(answer.path("status").asText()).isEqualTo("ACCEPTED");
        assertThat(answer.path("tenantId").asText()).isEqualTo("acme");
        List<String> ids = answer.path("jobs").findValuesAsText("requestId");
        assertThat(ids).hasSize(5).doesNotHaveDuplicates();
        assertThat(answer.path("jobs").get(2).path("idempotencyKey").asText()).isEqualTo("order-7");
        assertThat(answer.path("jobs").get(0).path("idempotencyKey").asText()).isEqualTo(ids.get(0));

        List<ConsumerRecord<String, byte[]>> requests = h.recordsSince(before, h.topics.requests(), r -> r.size() >= 5);
        // One tenant, one partition: the jobs are on it in the batch's order.
        assertThat(requests)
                .extracting(r -> h.serdes.requests().deserializer().deserialize(h.topics.requests(), r.value()))
                .extracting(LlmRequest::requestId)
                .containsExactlyElementsOf(ids);
        assertThat(requests).allSatisfy(r -> {
            assertThat(r.key()).isEqualTo("acme");
            assertThat(Tracing.from(r.headers())).isEqualTo(traceparent);
        });
        assertThat(h.statusesSince(before))
                .containsExactlyElementsOf(
                        ids.stream().map(id -> id + " ACCEPTED").toList());
    }

    @Test
    void shouldAnswerABadBatchWithTheRight4xxProblemAndProduceNothing() throws Exception {
        Map<TopicPartition, Long> before = h.endOffsets();
        List<String> oneInvalid = new ArrayList<>(Collections.nCopies(5, JOB));
        oneInvalid.set(3, "{\"messages\":[],\"priority\":\"URGENT\"}");
        List<String> oneOther = new ArrayList<>(Collections.nCopies(3, JOB));
        oneOther.set(1, "{\"tenantId\":\"globex\"," + JOB.substring(1));

        HttpResponse<String> tooMany = h.post("/v1/jobs:batch", batchOf(1001), key);
        HttpResponse<String> invalid = h.post("/v1/jobs:batch", batch(oneInvalid), key);
        HttpResponse<String> empty = h.post("/v1/jobs:batch", batchOf(0), key);
        HttpResponse<String> malformed = h.post("/v1/jobs:batch", "{\"jobs\":[" + JOB, key);
        HttpResponse<String> header = h.post(
                "/v1/jobs:batch", batchOf(2), Map.of("Authorization", "Bearer " + key, "Idempotency-Key", "k-1"));
        HttpResponse<String> oversized = h.post(
                "/v1/jobs:batch",
                batch(Collections.nCopies(
                        40, "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(7000) + "\"}]}")),
                key);
        HttpResponse<String> other = h.post("/v1/jobs:batch", batch(oneOther), key);
        HttpResponse<String> noKey = h.post("/v1/jobs:batch", batchOf(2), Map.of());

        assertProblem(tooMany, 400, "invalid-request", "The batch holds 1001 jobs; a batch holds at most 1000");
        assertThat(fields(tooMany)).containsExactly("jobs");
        assertProblem(invalid, 400, "invalid-request", "1 of the 5 jobs is invalid; nothing was accepted");
        assertThat(fields(invalid)).containsExactly("jobs[3].messages", "jobs[3].priority");
        assertProblem(empty, 400, "invalid-request", "The batch is not valid");
        assertThat(fields(empty)).containsExactly("jobs");
        assertThat(JSON.readTree(malformed.body()).path("type").asText()).endsWith("/malformed-json");
        assertProblem(header, 400, "invalid-request", "give each job its own idempotencyKey");
        assertThat(fields(header)).containsExactly("Idempotency-Key");
        assertProblem(oversized, 413, "body-too-large", "The body exceeds the limit of 262144 bytes");
        assertProblem(other, 403, "tenant-mismatch", "1 of the 3 jobs name another tenant");
        assertThat(fields(other)).containsExactly("jobs[1].tenantId");
        assertProblem(noKey, 401, "unauthorized", "Send an API key");
        h.assertNothingProducedSince(before, key);
    }

    @Test
    void shouldRefuseABatchFollowedByAnythingButWhitespaceAndProduceNothing() throws Exception {
        Map<TopicPartition, Long> before = h.endOffsets();

        HttpResponse<String> brace = h.post("/v1/jobs:batch", batchOf(2) + "}", key);
        HttpResponse<String> second = h.post("/v1/jobs:batch", batchOf(2) + batchOf(1), key);
        HttpResponse<String> garbage = h.post("/v1/jobs:batch", batchOf(2) + " garbage", key);

        for (HttpResponse<String> r : List.of(brace, second, garbage)) {
            assertProblem(r, 400, "malformed-json", "");
        }
        h.assertNothingProducedSince(before, key);
        assertThat(h.post("/v1/jobs:batch", batchOf(2) + "\n\n", key).statusCode())
                .as("whitespace after the batch")
                .isEqualTo(202);
    }

    @Test
    void shouldTakeATokenPerJobOfABatchFromTheTenantsLimit() throws Exception {
        // 60 a minute, a bucket of ten seconds' worth: 10 jobs.
        String tenKey = h.limitedTenantKey("tenjobs", 60);
        assertThat(h.post("/v1/jobs:batch", batchOf(8), tenKey).statusCode()).isEqualTo(202);
        Map<TopicPartition, Long> before = h.endOffsets();

        HttpResponse<String> limited = h.post("/v1/jobs:batch", batchOf(5), tenKey);

        assertProblem(limited, 429, "rate-limited", "none of the 5 jobs was accepted");
        assertThat(limited.headers().firstValue("Retry-After")).isPresent();
        h.assertNothingProducedSince(before, key);
    }

    @Test
    void shouldStoreConcurrentBatchesSideBySide() throws Exception {
        Map<TopicPartition, Long> before = h.endOffsets();
        List<String> answered;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<HttpResponse<String>>> sent = IntStream.range(0, 8)
                    .mapToObj(i -> pool.submit(() -> h.post("/v1/jobs:batch", batchOf(25), key)))
                    .toList();
            answered = new ArrayList<>();
            for (Future<HttpResponse<String>> f : sent) {
                assertThat(f.get().statusCode()).as(f.get().body()).isEqualTo(202);
                answered.addAll(JSON.readTree(f.get().body()).path("jobs").findValuesAsText("requestId"));
            }
        }
        Set<String> stored = h.recordsSince(before, h.topics.requests(), r -> r.size() >= 200).stream()
                .map(r -> h.serdes
                        .requests()
                        .deserializer()
                        .deserialize(h.topics.requests(), r.value())
                        .requestId())
                .collect(Collectors.toSet());
        assertThat(stored).hasSize(200).containsExactlyInAnyOrderElementsOf(answered);
    }

    @Test
    void shouldMakeNoJobOfABatchVisibleWhenItsTransactionFails() throws Exception {
        Map<TopicPartition, Long> before = h.endOffsets();
        HttpResponse<String> failed = h.withSmallRequestRecords(
                () -> h.post("/v1/jobs:batch", batch(List.of(JOB, JOB, IngestHarness.incompressibleJob(), JOB)), key));

        assertProblem(failed, 503, "unavailable", "nothing was accepted");
        assertThat(failed.headers().firstValue("Retry-After")).hasValue("5");
        // The small jobs and the ACCEPTED statuses were written, then aborted: on the log, never visible.
        assertThat(h.endOffsets()).isNotEqualTo(before);
        h.assertNothingVisibleSince(before, key);
    }
}
