package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.model.ApiKey;
import dev.sluice.model.JobState;
import dev.sluice.model.JobStatus;
import dev.sluice.model.TenantConfig;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.runtime.tenants.ApiKeys;
import dev.sluice.schemas.registry.RestSchemaRegistry;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.testkit.KafkaStack;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;

/**
 * One ingest-service on its own topics of a test class's broker, with what its tests need: tenants
 * and API keys written to their topics, HTTP calls, and the records a test caused on a topic.
 */
final class IngestHarness implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ObjectMapper JSON = new ObjectMapper();

    final KafkaStack kafka;
    final Topics topics;
    final SluiceSerdes serdes;
    final IngestService ingest;
    final String base;
    private final KafkaProducer<String, byte[]> producer;
    private final Map<String, ApiKey> keys = new HashMap<>();

    private IngestHarness(KafkaStack kafka, Topics topics, IngestService ingest) {
        this.kafka = kafka;
        this.topics = topics;
        this.serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        this.ingest = ingest;
        this.base = "http://127.0.0.1:" + ingest.port();
        this.producer = kafka.producer();
    }

    /** Starts ingest-service on a new topic prefix, with {@code settings} over the defaults, and waits until ready. */
    static IngestHarness start(KafkaStack kafka, Map<String, String> settings) {
        String prefix = kafka.newPrefix();
        Map<String, String> values = new HashMap<>(kafka.serviceConfig(prefix));
        values.put("ingest.port", "0");
        try {
            values.put(
                    "ingest.state.dir",
                    java.nio.file.Files.createTempDirectory("ingest-state").toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        values.putAll(settings);
        IngestService ingest = new IngestService(Settings.read(ConfigSource.of(values), IngestConfig::read));
        ingest.start();
        await().alias("ingest-service ready").atMost(Duration.ofSeconds(60)).until(ingest::ready);
        return new IngestHarness(kafka, new Topics(prefix), ingest);
    }

    void putTenant(TenantConfig tenant) throws Exception {
        producer.send(new ProducerRecord<>(
                        topics.tenants(),
                        tenant.tenantId(),
                        serdes.tenants().serializer().serialize(topics.tenants(), tenant)))
                .get();
    }

    String putTenant(String tenantId) throws Exception {
        putTenant(TenantConfig.basic(tenantId, TenantConfig.Webhooks.NONE, Instant.now()));
        return tenantId;
    }

    /** A tenant held to {@code perMinute} requests a minute, and a key of it that ingest knows; returns the key. */
    String limitedTenantKey(String tenantId, int perMinute) throws Exception {
        putTenant(new TenantConfig(
                tenantId,
                null,
                new TenantConfig.Limits(perMinute, null, null, null, null),
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                3600,
                1,
                Instant.now()));
        String key = issueKey(tenantId);
        awaitKeyAnswered(key, 400);
        return key;
    }

    /** Asserts a problem answer: status, content type, type (after {@link Problem#BASE}) and part of the detail. */
    static void assertProblem(HttpResponse<String> r, int status, String type, String detail) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("type").asText()).isEqualTo(Problem.BASE + type);
        assertThat(body.path("status").asInt()).isEqualTo(status);
        assertThat(body.path("detail").asText()).contains(detail);
    }

    /** As {@link #assertProblem(HttpResponse, int, String, String)}, for an answer read off a raw socket. */
    static void assertProblem(RawHttp.Response r, int status, String type, String detail) throws Exception {
        assertThat(r.status()).as(r.request() + ": " + r.body()).isEqualTo(status);
        assertThat(r.header("Content-Type"))
                .as(r.request())
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("type").asText()).as(r.request()).isEqualTo(Problem.BASE + type);
        assertThat(body.path("status").asInt()).as(r.request()).isEqualTo(status);
        assertThat(body.path("title").asText()).as(r.request()).isNotBlank();
        assertThat(body.path("detail").asText()).as(r.request()).isNotBlank().contains(detail);
        assertThat(body.path("errors").isArray()).as(r.request()).isTrue();
    }

    void deleteTenant(String tenantId) throws Exception {
        producer.send(new ProducerRecord<>(topics.tenants(), tenantId, null)).get();
    }

    /** A new key of the tenant on the keys topic, as `sluice tenants keys create` writes it; returns the key. */
    String issueKey(String tenantId) throws Exception {
        ApiKeys.Issued issued = ApiKeys.issue(RANDOM);
        ApiKey key = new ApiKey(issued.keyId(), tenantId, issued.sha256(), "test", Instant.now(), null);
        keys.put(key.keyId(), key);
        putKey(key);
        return issued.key();
    }

    /** Revokes a key issued here, as `sluice tenants keys revoke` does. */
    void revokeKey(String key) throws Exception {
        putKey(keys.get(ApiKeys.keyIdOf(key).orElseThrow()).revoke(Instant.now()));
    }

    private void putKey(ApiKey key) throws Exception {
        producer.send(new ProducerRecord<>(
                        topics.apiKeys(),
                        key.keyId(),
                        serdes.apiKeys().serializer().serialize(topics.apiKeys(), key)))
                .get();
    }

    /**
     * Waits until ingest-service answers an empty job sent with {@code key} with {@code status}:
     * 400 once the key and its tenant are known (an empty job is never produced), 401 or 403 once a
     * revocation or a deleted tenant has reached it.
     */
    void awaitKeyAnswered(String key, int status) {
        await().alias("ingest answers the key with " + status)
                .atMost(Duration.ofSeconds(30))
                .until(() -> post("/v1/jobs", "{}", Map.of("Authorization", "Bearer " + key))
                                .statusCode()
                        == status);
    }

    HttpResponse<String> post(String path, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder r =
                HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (!headers.containsKey("Content-Type")) {
            r.header("Content-Type", "application/json");
        }
        headers.forEach(r::header);
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String body, String key) throws Exception {
        return post(path, body, Map.of("Authorization", "Bearer " + key));
    }

    HttpResponse<String> get(String path) throws Exception {
        return get(path, null);
    }

    /** A GET on the service's ops port (/health, /ready, /metrics). */
    HttpResponse<String> ops(String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ingest.opsPort() + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The service's Prometheus scrape, from its ops port. */
    String metrics() throws Exception {
        return ops("/metrics").body();
    }

    /** A GET with {@code key} as the bearer key, or with no Authorization header when it is null. */
    HttpResponse<String> get(String path, String key) throws Exception {
        return getAsync(path, key).get();
    }

    CompletableFuture<HttpResponse<String>> getAsync(String path, String key) {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + path));
        if (key != null) {
            r.header("Authorization", "Bearer " + key);
        }
        return HTTP.sendAsync(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Any method, without a body. */
    HttpResponse<String> send(String method, String path, Map<String, String> headers) throws Exception {
        HttpRequest.Builder r =
                HttpRequest.newBuilder(URI.create(base + path)).method(method, HttpRequest.BodyPublishers.noBody());
        headers.forEach(r::header);
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Writes a job's status to llm.job-status, as result-sink does. */
    void putStatus(String requestId, String tenantId, JobState state) throws Exception {
        producer.send(new ProducerRecord<>(
                        topics.jobStatus(),
                        requestId,
                        serdes.jobStatus()
                                .serializer()
                                .serialize(
                                        topics.jobStatus(),
                                        JobStatus.of(requestId, tenantId, state, null, Instant.now()))))
                .get();
    }

    /** Whether a status stream is open (or waiting for its job's first status), as the metric says. */
    boolean statusStreamOpen() throws Exception {
        return metrics()
                .lines()
                .anyMatch(l -> l.startsWith("sluice_ingest_status_subscriptions") && !l.endsWith(" 0.0"));
    }

    /** A job whose request record is over 2 KB however it is compressed: random text in its message. */
    static String incompressibleJob() {
        byte[] noise = new byte[2400];
        RANDOM.nextBytes(noise);
        return "{\"messages\":[{\"role\":\"user\",\"content\":\""
                + Base64.getEncoder().encodeToString(noise) + "\"}]}";
    }

    /**
     * Runs {@code call} while the broker refuses request records over 2 KB (max.message.bytes on
     * llm.requests), so that an {@link #incompressibleJob()} cannot be stored; the limit is removed after.
     */
    <T> T withSmallRequestRecords(Callable<T> call) throws Exception {
        try (Admin admin = kafka.admin()) {
            setMaxMessageBytes(admin, "2048");
            try {
                return call.call();
            } finally {
                setMaxMessageBytes(admin, null);
            }
        }
    }

    /** Sets (or with null removes) max.message.bytes on llm.requests, and waits until the broker has it. */
    private void setMaxMessageBytes(Admin admin, String value) throws Exception {
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, topics.requests());
        AlterConfigOp op = value == null
                ? new AlterConfigOp(new ConfigEntry("max.message.bytes", ""), AlterConfigOp.OpType.DELETE)
                : new AlterConfigOp(new ConfigEntry("max.message.bytes", value), AlterConfigOp.OpType.SET);
        admin.incrementalAlterConfigs(Map.of(topic, List.of(op))).all().get();
        await().alias("max.message.bytes applied")
                .atMost(Duration.ofSeconds(10))
                .until(() -> {
                    ConfigEntry e = admin.describeConfigs(List.of(topic))
                            .all()
                            .get()
                            .get(topic)
                            .get("max.message.bytes");
                    return value == null
                            ? e.source() != ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG
                            : value.equals(e.value());
                });
    }

    /** The end offset of every partition of the topics a request can write to. */
    Map<TopicPartition, Long> endOffsets() {
        return endOffsets(topics.requests(), topics.jobEvents());
    }

    /**
     * The end offsets of every partition of the topics once no transaction is open on them: a batch's
     * 202 comes when its transaction has committed, a moment before its markers are on the log.
     */
    Map<TopicPartition, Long> endOffsets(String... of) {
        return kafka.settledEndOffsets(of);
    }

    /**
     * The committed records of {@code topic} after the offsets {@code since}, read until {@code done}
     * holds for them (or 30 s passed), then for one second more so that a stray record would show.
     */
    List<ConsumerRecord<String, byte[]>> recordsSince(
            Map<TopicPartition, Long> since, String topic, Predicate<List<ConsumerRecord<String, byte[]>>> done) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = kafka.committedReader()) {
            List<TopicPartition> partitions = since.keySet().stream()
                    .filter(tp -> tp.topic().equals(topic))
                    .toList();
            consumer.assign(partitions);
            partitions.forEach(tp -> consumer.seek(tp, since.get(tp)));
            long deadline = System.currentTimeMillis() + 30_000;
            while (!done.test(out) && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            long settle = System.currentTimeMillis() + 1000;
            while (System.currentTimeMillis() < settle) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /**
     * Asserts that nothing reached llm.requests or llm.job-events since {@code before}: the end
     * offsets have not moved, and after one good job (sent with {@code markerKey}) that job's request
     * and its ACCEPTED status are the only new committed records.
     */
    void assertNothingProducedSince(Map<TopicPartition, Long> before, String markerKey) throws Exception {
        assertThat(endOffsets()).as("end offsets of requests and job-events").isEqualTo(before);
        assertNothingVisibleSince(before, markerKey);
    }

    /**
     * Asserts that no record committed since {@code before} is visible to a read_committed reader:
     * after one good job (sent with {@code markerKey}), that job's request and its ACCEPTED status
     * are the only new records. Records of an aborted transaction may lie in between, unseen.
     */
    void assertNothingVisibleSince(Map<TopicPartition, Long> before, String markerKey) throws Exception {
        HttpResponse<String> marker =
                post("/v1/jobs", "{\"messages\":[{\"role\":\"user\",\"content\":\"marker\"}]}", markerKey);
        assertThat(marker.statusCode()).as(marker.body()).isEqualTo(202);
        String markerId = JSON.readTree(marker.body()).path("requestId").asText();
        List<String> ids = recordsSince(before, topics.requests(), r -> !r.isEmpty()).stream()
                .map(r -> serdes.requests()
                        .deserializer()
                        .deserialize(topics.requests(), r.value())
                        .requestId())
                .toList();
        assertThat(ids).as("requests produced since the refused ones").containsExactly(markerId);
        assertThat(statusesSince(before))
                .as("job events produced since the refused ones")
                .containsExactly(markerId + " ACCEPTED");
    }

    /** "requestId STATE" of every job event since {@code before}, once at least one is there. */
    List<String> statusesSince(Map<TopicPartition, Long> before) {
        return recordsSince(before, topics.jobEvents(), r -> !r.isEmpty()).stream()
                .map(r -> serdes.jobStatus().deserializer().deserialize(topics.jobEvents(), r.value()))
                .map(s -> s.requestId() + " " + s.state())
                .toList();
    }

    @Override
    public void close() {
        producer.close();
        ingest.close();
    }
}
