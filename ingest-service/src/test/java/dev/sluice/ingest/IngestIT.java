package dev.sluice.ingest;

import static dev.sluice.ingest.IngestHarness.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.model.JobState;
import dev.sluice.model.JobStatus;
import dev.sluice.model.LlmRequest;
import dev.sluice.runtime.Tracing;
import dev.sluice.schemas.registry.RestSchemaRegistry;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@SluiceKafka
class IngestIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static IngestHarness h;
    private static String key;

    @BeforeAll
    static void start(KafkaStack kafka) throws Exception {
        h = IngestHarness.start(
                kafka,
                Map.of(
                        "ingest.max.body.bytes",
                        "4096",
                        "ingest.body.timeout",
                        "1s",
                        "requests.max.messages",
                        "3",
                        "requests.max.metadata.entries",
                        "2"));
        key = h.issueKey(h.putTenant("acme"));
        h.awaitKeyAnswered(key, 400);
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    /**
     * A producer outside Sluice with {@code auto.register.schemas=false} looks its schema up under
     * the topic's subject: that must answer before anyone has written to the topic. A fresh
     * ingest-service on topics of its own, nothing sent.
     */
    @Test
    void shouldRegisterTheValueSchemasAtStartSoAClientThatRegistersNothingMayStartFirst(KafkaStack kafka) {
        RestSchemaRegistry registry = new RestSchemaRegistry(kafka.registryUrl());
        try (IngestHarness fresh = IngestHarness.start(kafka, Map.of())) {
            Map<String, Schema> expected = Map.of(
                    fresh.topics.requests() + "-value", dev.sluice.avro.LlmRequest.getClassSchema(),
                    fresh.topics.results() + "-value", dev.sluice.avro.LlmResult.getClassSchema(),
                    fresh.topics.jobStatus() + "-value", dev.sluice.avro.JobStatus.getClassSchema(),
                    fresh.topics.costEvents() + "-value", dev.sluice.avro.CostEvent.getClassSchema(),
                    fresh.topics.feedback() + "-value", dev.sluice.avro.Feedback.getClassSchema(),
                    fresh.topics.deadLetters() + "-value", dev.sluice.avro.DeadLetter.getClassSchema());
            await().alias("the value schemas registered by a fresh ingest-service")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> registry.subjects().containsAll(expected.keySet()));
            expected.forEach((subject, schema) ->
                    assertThat(registry.lookupId(subject, schema)).as(subject).isPositive());
        }
    }

    @Test
    void shouldAcceptAJobOnlyOnceTheBrokerHasItAndProduceItAsAvroKeyedByTheKeysTenant() throws Exception {
        Map<TopicPartition, Long> before = h.endOffsets();
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        HttpResponse<String> response = h.post(
                "/v1/jobs",
                """
                {"messages":[{"role":"user","content":"Summarise this."}],"priority":"HIGH"}
                """,
                Map.of("Authorization", "Bearer " + key, "Idempotency-Key", "order-42", "traceparent", traceparent));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        JsonNode answer = JSON.readTree(response.body());
        String requestId = answer.path("requestId").asText();
        assertThat(answer.path("status").asText()).isEqualTo("ACCEPTED");
        assertThat(answer.path("tenantId").asText()).isEqualTo("acme");
        assertThat(answer.path("idempotencyKey").asText()).isEqualTo("order-42");

        List<ConsumerRecord<String, byte[]>> records = h.recordsSince(before, h.topics.requests(), r -> !r.isEmpty());
        assertThat(records).hasSize(1);
        LlmRequest stored = h.serdes
                .requests()
                .deserializer()
                .deserialize(h.topics.requests(), records.getFirst().value());
        assertThat(stored.requestId()).isEqualTo(requestId);
        assertThat(records.getFirst().key()).isEqualTo("acme");
        assertThat(stored.tenantId()).isEqualTo("acme");
        assertThat(stored.idempotencyKey()).isEqualTo("order-42");
        assertThat(stored.messages().getFirst().content()).isEqualTo("Summarise this.");
        assertThat(Tracing.from(records.getFirst().headers())).isEqualTo(traceparent);

        List<ConsumerRecord<String, byte[]>> events = h.recordsSince(before, h.topics.jobEvents(), r -> !r.isEmpty());
        assertThat(events).hasSize(1);
        JobStatus accepted = h.serdes
                .jobStatus()
                .deserializer()
                .deserialize(h.topics.jobEvents(), events.getFirst().value());
        assertThat(events.getFirst().key()).isEqualTo("acme");
        assertThat(accepted.requestId()).isEqualTo(requestId);
        assertThat(accepted.state()).isEqualTo(JobState.ACCEPTED);
        assertThat(accepted.updatedAt()).isEqualTo(stored.createdAt());
        assertThat(Tracing.from(events.getFirst().headers())).isEqualTo(traceparent);
    }

    @Test
    void shouldAnswerBadInputWithTheRight4xxProblemAndProduceNothing() throws Exception {
        Map<TopicPartition, Long> before = h.endOffsets();

        HttpResponse<String> malformed = h.post("/v1/jobs", "{\"messages\": ", key);
        HttpResponse<String> empty = h.post("/v1/jobs", "", key);
        HttpResponse<String> missing = h.post("/v1/jobs", "{\"tenantId\":\"acme\"}", key);
        HttpResponse<String> invalid = h.post(
                "/v1/jobs", "{\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]," + "\"temperature\":9}", key);
        HttpResponse<String> oversized = h.post(
                "/v1/jobs", "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(5000) + "\"}]}", key);
        HttpResponse<String> wrongType = h.post(
                "/v1/jobs",
                "messages=hi",
                Map.of("Authorization", "Bearer " + key, "Content-Type", "application/x-www-form-urlencoded"));
        HttpResponse<String> notFound = h.get("/v1/nothing");
        HttpResponse<String> wrongMethod = h.get("/v1/jobs");

        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(malformed.body()).path("type").asText()).endsWith("/malformed-json");
        assertThat(JSON.readTree(malformed.body()).path("detail").asText()).isNotBlank();
        assertThat(empty.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(empty.body()).path("detail").asText()).isEqualTo("the body is empty");
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(missing.body()).path("errors")).singleElement().satisfies(e -> {
            assertThat(e.path("field").asText()).isEqualTo("messages");
            assertThat(e.path("message").asText()).isEqualTo("is required");
        });
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(invalid.body()).path("errors").findValuesAsText("field"))
                .containsExactlyInAnyOrder("messages[0].role", "temperature");
        assertThat(oversized.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(oversized.body()).path("detail").asText()).contains("4096 bytes");
        assertThat(wrongType.statusCode()).isEqualTo(415);
        assertThat(JSON.readTree(wrongType.body()).path("detail").asText())
                .contains("application/x-www-form-urlencoded");
        assertThat(notFound.statusCode()).isEqualTo(404);
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(JSON.readTree(wrongMethod.body()).path("detail").asText())
                .isEqualTo("GET is not served on /v1/jobs");
        for (HttpResponse<String> r :
                List.of(malformed, empty, missing, invalid, oversized, wrongType, notFound, wrongMethod)) {
            assertThat(r.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
        }
        h.assertNothingProducedSince(before, key);
    }

    @Test
    void shouldRefuseAJobOverTheRequestLimitsTheRouterAppliesAndProduceNothing() throws Exception {
        Map<TopicPartition, Long> before = h.endOffsets();
        String message = "{\"role\":\"user\",\"content\":\"hi\"}";

        HttpResponse<String> messages = h.post(
                "/v1/jobs", "{\"messages\":[" + String.join(",", message, message, message, message) + "]}", key);
        HttpResponse<String> metadata = h.post(
                "/v1/jobs",
                "{\"messages\":[" + message + "],\"metadata\":" + "{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}}",
                key);
        HttpResponse<String> batch = h.post(
                "/v1/jobs:batch",
                "{\"jobs\":[{\"messages\":[" + message + "]}," + "{\"messages\":[" + message
                        + "],\"metadata\":{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}}]}",
                key);

        assertProblem(messages, 400, "invalid-request", "");
        assertThat(JSON.readTree(messages.body()).path("errors"))
                .singleElement()
                .satisfies(e -> {
                    assertThat(e.path("field").asText()).isEqualTo("messages");
                    assertThat(e.path("message").asText()).contains("at most 3").contains("TOO_MANY_MESSAGES");
                });
        assertProblem(metadata, 400, "invalid-request", "");
        assertThat(JSON.readTree(metadata.body()).path("errors").findValuesAsText("message"))
                .singleElement()
                .asString()
                .contains("METADATA_TOO_LARGE");
        assertProblem(batch, 400, "invalid-request", "");
        assertThat(JSON.readTree(batch.body()).path("errors").findValuesAsText("field"))
                .containsExactly("jobs[1].metadata");
        h.assertNothingProducedSince(before, key);
    }

    @Test
    void shouldRefuseAJobFollowedByAnythingButWhitespaceAndProduceNothing() throws Exception {
        String job = "{\"messages\":[{\"role\":\"user\",\"content\":\"Summarise this.\"}]}";
        Map<TopicPartition, Long> before = h.endOffsets();

        HttpResponse<String> brace = h.post("/v1/jobs", job + "}", key);
        HttpResponse<String> second = h.post("/v1/jobs", job + " " + job, key);
        HttpResponse<String> garbage = h.post("/v1/jobs", job + "\n#!garbage", key);

        for (HttpResponse<String> r : List.of(brace, second, garbage)) {
            assertProblem(r, 400, "malformed-json", "");
            assertThat(JSON.readTree(r.body()).path("detail").asText())
                    .as(r.body())
                    .isNotBlank();
        }
        h.assertNothingProducedSince(before, key);
        assertThat(h.post("/v1/jobs", job + " \r\n\t ", key).statusCode())
                .as("whitespace after the job")
                .isEqualTo(202);
    }

    @Test
    void shouldAnswerWhatTheHttpServerRefusesAsProblemsAndProduceNothing() throws Exception {
        String head = "Host: 127.0.0.1\r\nAuthorization: Bearer " + key + "\r\nContent-Type: application/json\r\n";
        String job = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        String withJob = "Content-Length: " + job.length() + "\r\n\r\n" + job;
        Map<TopicPartition, Long> before = h.endOffsets();

        RawHttp.Response badEncoding =
                RawHttp.exchange(h.ingest.port(), "POST /v1/jobs%zz HTTP/1.1\r\n" + head + withJob);
        RawHttp.Response badId = RawHttp.exchange(h.ingest.port(), "GET /v1/jobs/% HTTP/1.1\r\n" + head + "\r\n");
        RawHttp.Response bigHeader = RawHttp.exchange(
                h.ingest.port(),
                "POST /v1/jobs HTTP/1.1\r\n" + head + "X-Padding: " + "a".repeat(9 * 1024) + "\r\n" + withJob);
        RawHttp.Response longUri = RawHttp.exchange(
                h.ingest.port(), "GET /v1/jobs/" + "a".repeat(10 * 1024) + " HTTP/1.1\r\n" + head + "\r\n");
        RawHttp.Response badMethod = RawHttp.exchange(h.ingest.port(), "P@ST /v1/jobs HTTP/1.1\r\n" + head + withJob);

        assertProblem(badEncoding, 400, "bad-request", "");
        assertProblem(badId, 400, "bad-request", "");
        assertProblem(bigHeader, 431, "headers-too-large", "");
        assertProblem(longUri, 414, "uri-too-long", "");
        assertProblem(badMethod, 400, "bad-request", "Illegal character");
        h.assertNothingProducedSince(before, key);
    }

    @Test
    void shouldAnswer408AndCloseTheConnectionWhenABodyIsStillDrippingAtTheBodyTimeout() throws Exception {
        String job = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(60) + "\"}]}";
        Map<TopicPartition, Long> before = h.endOffsets();

        // A byte every 50 ms: the whole body would take 5 s, five times the body timeout.
        RawHttp.Dripped dripped = RawHttp.drip(
                h.ingest.port(),
                "POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Authorization: Bearer " + key + "\r\nContent-Type: application/json\r\nContent-Length: "
                        + job.length() + "\r\n\r\n",
                job,
                Duration.ofMillis(50));

        assertProblem(dripped.response(), 408, "request-timeout", "within 1000 ms");
        assertThat(dripped.sent())
                .as("bytes of the body sent before the answer")
                .isLessThan(job.length());
        assertThat(dripped.response().header("Connection")).hasValue("close");
        assertThat(dripped.closed()).as("the connection closed after the 408").isTrue();
        h.assertNothingProducedSince(before, key);
    }

    @Test
    void shouldServeHealthAndReadinessOnTheApiPortAndMetricsOnlyOnTheOpsPort() throws Exception {
        HttpResponse<String> health = h.get("/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(health.body()).path("status").asText()).isEqualTo("UP");
        assertThat(JSON.readTree(health.body()).path("apiKeys").asInt()).isPositive();
        assertThat(h.get("/ready").statusCode()).isEqualTo(200);

        // The metrics name tenants: never on the public port.
        assertThat(h.ingest.opsPort()).isNotEqualTo(h.ingest.port());
        assertThat(h.get("/metrics").statusCode()).isEqualTo(404);
        assertThat(h.metrics()).contains("sluice_ingest_requests_total").contains("jvm_memory_used_bytes");
        for (String path : List.of("/health", "/ready")) {
            assertThat(h.ops(path).statusCode()).as("ops port " + path).isEqualTo(200);
        }
    }
}
