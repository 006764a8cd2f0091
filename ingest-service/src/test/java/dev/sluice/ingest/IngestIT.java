package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.model.LlmRequest;
import dev.sluice.runtime.Tracing;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.registry.RestSchemaRegistry;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@SluiceKafka
class IngestIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static IngestService ingest;
    private static Topics topics;
    private static String base;

    @BeforeAll
    static void start(KafkaStack kafka) {
        String prefix = kafka.newPrefix();
        Map<String, String> values = new HashMap<>(kafka.serviceConfig(prefix));
        values.put("ingest.port", "0");
        values.put("ingest.max.body.bytes", "4096");
        Settings settings = new Settings(ConfigSource.of(values));
        IngestConfig config = IngestConfig.read(settings);
        settings.validate();
        ingest = new IngestService(config);
        ingest.start();
        topics = new Topics(prefix);
        base = "http://127.0.0.1:" + ingest.port();
    }

    @AfterAll
    static void stop() {
        ingest.close();
    }

    private static HttpResponse<String> post(String body, String contentType, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + "/v1/jobs"))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            r.header("Content-Type", contentType);
        }
        headers.forEach(r::header);
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<ConsumerRecord<String, byte[]>> requestsOnTopic(KafkaStack kafka, int atLeast) {
        return kafka.readUntil(topics.requests(), r -> r.size() >= atLeast, Duration.ofSeconds(atLeast == 0 ? 3 : 30));
    }

    @Test
    void shouldAcceptAJobOnlyOnceTheBrokerHasItAndProduceItAsAvroKeyedByTenant(KafkaStack kafka) throws Exception {
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        HttpResponse<String> response = post("""
                {"tenantId":"acme","messages":[{"role":"user","content":"Summarise this."}],"priority":"HIGH"}
                """, "application/json", Map.of("Idempotency-Key", "order-42", "traceparent", traceparent));

        assertThat(response.statusCode()).isEqualTo(202);
        JsonNode answer = JSON.readTree(response.body());
        String requestId = answer.path("requestId").asText();
        assertThat(answer.path("status").asText()).isEqualTo("ACCEPTED");
        assertThat(answer.path("idempotencyKey").asText()).isEqualTo("order-42");

        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        ConsumerRecord<String, byte[]> record = requestsOnTopic(kafka, 1).stream()
                .filter(r -> serdes.requests().deserializer().deserialize(topics.requests(), r.value()).requestId()
                        .equals(requestId)).findFirst().orElseThrow();
        LlmRequest stored = serdes.requests().deserializer().deserialize(topics.requests(), record.value());
        assertThat(record.key()).isEqualTo("acme");
        assertThat(stored.idempotencyKey()).isEqualTo("order-42");
        assertThat(stored.messages().getFirst().content()).isEqualTo("Summarise this.");
        assertThat(Tracing.from(record.headers())).isEqualTo(traceparent);
    }

    @Test
    void shouldAnswerBadInputWithTheRight4xxProblemAndProduceNothing(KafkaStack kafka) throws Exception {
        int before = requestsOnTopic(kafka, 0).size();

        HttpResponse<String> malformed = post("{\"tenantId\": ", "application/json", Map.of());
        HttpResponse<String> missing = post("{\"tenantId\":\"acme\"}", "application/json", Map.of());
        HttpResponse<String> oversized = post("{\"tenantId\":\"acme\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + "x".repeat(5000) + "\"}]}", "application/json", Map.of());
        HttpResponse<String> wrongType = post("tenantId=acme", "application/x-www-form-urlencoded", Map.of());
        HttpResponse<String> notFound = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/nothing")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(malformed.body()).path("type").asText()).endsWith("/malformed-json");
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(missing.body()).path("errors").get(0).path("field").asText()).isEqualTo("messages");
        assertThat(oversized.statusCode()).isEqualTo(413);
        assertThat(wrongType.statusCode()).isEqualTo(415);
        assertThat(notFound.statusCode()).isEqualTo(404);
        for (HttpResponse<String> r : List.of(malformed, missing, oversized, wrongType, notFound)) {
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                    v -> assertThat(v).startsWith("application/problem+json"));
        }
        assertThat(requestsOnTopic(kafka, 0)).hasSize(before);
    }

    @Test
    void shouldServeHealthAndMetricsOnTheSamePort() throws Exception {
        HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> metrics = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(health.body()).path("status").asText()).isEqualTo("UP");
        assertThat(metrics.body()).contains("sluice_ingest_requests_total").contains("jvm_memory_used_bytes");
        HttpResponse<String> ready = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);
    }
}
