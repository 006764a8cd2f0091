package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.devstack.webhooks.WebhookReceiver;
import dev.sluice.model.CostEvent;
import dev.sluice.model.DeadLetter;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.Message;
import dev.sluice.model.Priority;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.TenantConfig;
import dev.sluice.router.RouterConfig;
import dev.sluice.router.RouterService;
import dev.sluice.runtime.SluiceService;
import dev.sluice.runtime.kafka.TopicCreator;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.registry.RestSchemaRegistry;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.sim.ProviderSimulator;
import dev.sluice.sim.SimConfig;
import dev.sluice.sink.SinkConfig;
import dev.sluice.sink.SinkService;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import dev.sluice.worker.WorkerConfig;
import dev.sluice.worker.WorkerService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and unlucky records among good traffic, through router, worker and sink on a real broker
 * with the simulator and two tenants' real webhook receivers: 1.2 MB of metadata (compressed, so the
 * broker takes it), a tombstone, requests naming another tenant's endpoint, a model answer of
 * megabytes, a request on a tenant's own topic (with more partitions than the router's state) naming
 * another tenant, a reused idempotency key. The
 * good traffic must not notice, each bad record must end as the README says, and no service may
 * stop.
 */
@SluiceKafka
class BadRecordsIT {

    @Test
    void shouldEndEachBadRecordAsDocumentedWhileTheGoodTrafficFlowsUntouched(KafkaStack kafka, @TempDir Path dir)
            throws Exception {
        String prefix = kafka.newPrefix();
        Topics topics = new Topics(prefix);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        String acmeSecret = secret();
        String globexSecret = secret();
        String acmeTopic = topics.tenantRequests("acme").orElseThrow();
        try (Admin admin = kafka.admin()) {
            // Eight partitions where llm.requests and the router's changelogs have three: the router
            // must still put acme's requests in acme's task, and not size its state by this topic.
            admin.createTopics(List.of(new NewTopic(acmeTopic, 8, (short) 1)))
                    .all()
                    .get();
            TopicCreator.awaitWritable(admin, List.of(acmeTopic), Duration.ofSeconds(30));
        }
        try (ProviderSimulator sim = ProviderSimulator.start(
                        SimConfig.defaults().withLatency(Duration.ofMillis(10), Duration.ofMillis(10)));
                WebhookReceiver acme = WebhookReceiver.start(acmeSecret, "127.0.0.1", 0);
                WebhookReceiver globex = WebhookReceiver.start(globexSecret, "127.0.0.1", 0)) {
            Map<String, String> config = new HashMap<>(kafka.serviceConfig(prefix));
            config.put("router.state.dir", dir.resolve("router").toString());
            config.put("sink.state.dir", dir.resolve("sink").toString());
            config.put("providers.openai.base.url", sim.baseUrl());
            config.put("providers.openai.api.key", "sk-bad-records");
            config.put("webhooks.allowed.hosts", "127.0.0.1");
            List<SluiceService> services = new ArrayList<>();
            try (var producer = kafka.producer();
                    var compressing = compressingProducer(kafka)) {
                services.add(InProcessServices.start(config, RouterConfig::read, RouterService::new));
                services.add(InProcessServices.start(config, WorkerConfig::read, WorkerService::new));
                services.add(InProcessServices.start(config, SinkConfig::read, SinkService::new));
                putTenant(
                        producer, topics, serdes, "acme", acme.url(), Files.writeString(dir.resolve("a"), acmeSecret));
                putTenant(
                        producer,
                        topics,
                        serdes,
                        "globex",
                        globex.url(),
                        Files.writeString(dir.resolve("g"), globexSecret));

                var requests = serdes.requests().serializer();
                String shared = topics.requests();
                List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    String tenant = i % 5 < 3 ? "acme" : "globex";
                    records.add(new ProducerRecord<>(
                            shared,
                            tenant,
                            requests.serialize(shared, request("good-" + i, tenant, "Summarise item " + i))));
                    switch (i) {
                        case 10 -> records.add(new ProducerRecord<>(shared, "acme", null));
                        case 20, 40, 60 ->
                            records.add(new ProducerRecord<>(
                                    shared,
                                    "acme",
                                    requests.serialize(
                                            shared,
                                            withWebhook(
                                                    request("aimed-" + i, "acme", "Deliver elsewhere"),
                                                    globex.url()))));
                        case 30 ->
                            records.add(new ProducerRecord<>(
                                    shared,
                                    "acme",
                                    requests.serialize(
                                            shared,
                                            withMaxOutput(
                                                    request("long-1", "acme", "Go on and on [sim:long-output]"),
                                                    400_000))));
                        case 50 ->
                            records.add(new ProducerRecord<>(
                                    shared,
                                    "acme",
                                    requests.serialize(
                                            shared, withKey(request("key-a", "acme", "Refund order 1"), "order-1"))));
                        case 70 ->
                            records.add(new ProducerRecord<>(
                                    shared,
                                    "acme",
                                    requests.serialize(
                                            shared, withKey(request("key-b", "acme", "Refund order 2"), "order-1"))));
                        default -> {}
                    }
                }
                for (int i = 0; i < 5; i++) {
                    records.add(new ProducerRecord<>(
                            acmeTopic,
                            "acme",
                            requests.serialize(acmeTopic, request("own-" + i, "acme", "From acme's own topic " + i))));
                }
                records.add(new ProducerRecord<>(
                        acmeTopic,
                        "globex",
                        requests.serialize(acmeTopic, request("posing-1", "globex", "Pretending to be globex"))));
                for (var r : records) {
                    producer.send(r);
                }
                Map<String, String> huge = new HashMap<>();
                for (int i = 0; i < 40; i++) {
                    huge.put("k" + i, "v".repeat(30_000));
                }
                LlmRequest meta = request("meta-1", "acme", "Carry a lot of metadata");
                compressing
                        .send(new ProducerRecord<>(
                                shared,
                                "acme",
                                requests.serialize(
                                        shared,
                                        new LlmRequest(
                                                meta.requestId(),
                                                "acme",
                                                null,
                                                null,
                                                Priority.NORMAL,
                                                null,
                                                null,
                                                null,
                                                meta.messages(),
                                                128,
                                                null,
                                                null,
                                                null,
                                                huge,
                                                meta.createdAt()))))
                        .get();
                producer.flush();

                int expected = 100 + 3 + 1 + 2 + 5 + 1 + 1;
                List<LlmResult> results =
                        kafka.readUntil(topics.results(), r -> r.size() >= expected, Duration.ofSeconds(180)).stream()
                                .map(r -> serdes.results().deserializer().deserialize(topics.results(), r.value()))
                                .toList();
                Map<String, LlmResult> byId =
                        results.stream().collect(Collectors.toMap(LlmResult::requestId, Function.identity()));
                assertThat(results).hasSize(expected);
                assertThat(byId).hasSize(expected);

                assertThat(results)
                        .filteredOn(r -> r.requestId().startsWith("good-")
                                || r.requestId().startsWith("own-")
                                || r.requestId().equals("key-a"))
                        .hasSize(106)
                        .allSatisfy(
                                r -> assertThat(r.status()).as(r.requestId()).isEqualTo(ResultStatus.SUCCEEDED));
                assertThat(byId.get("meta-1")).satisfies(r -> {
                    assertThat(r.status()).isEqualTo(ResultStatus.REJECTED);
                    assertThat(r.error().code()).isEqualTo("METADATA_TOO_LARGE");
                    assertThat(r.metadata()).isEmpty();
                });
                assertThat(results)
                        .filteredOn(r -> r.requestId().startsWith("aimed-"))
                        .hasSize(3)
                        .allSatisfy(r -> assertThat(r.error().code()).isEqualTo("WEBHOOK_NOT_ALLOWED"));
                assertThat(byId.get("long-1")).satisfies(r -> {
                    assertThat(r.status()).isEqualTo(ResultStatus.FAILED);
                    assertThat(r.error().code()).isEqualTo("OUTPUT_TOO_LARGE");
                    assertThat(r.output()).isNull();
                    assertThat(r.costMicros()).isPositive();
                });
                assertThat(byId.get("posing-1")).satisfies(r -> {
                    assertThat(r.tenantId()).isEqualTo("acme");
                    assertThat(r.error().code()).isEqualTo("TENANT_MISMATCH");
                });
                assertThat(byId.get("key-b").error().code()).isEqualTo("IDEMPOTENCY_KEY_REUSED");

                List<CostEvent> costs = kafka.readAll(topics.costEvents(), Duration.ofSeconds(30)).stream()
                        .map(r -> serdes.costEvents().deserializer().deserialize(topics.costEvents(), r.value()))
                        .toList();
                assertThat(costs)
                        .filteredOn(c -> c.requestId().equals("long-1"))
                        .singleElement()
                        .satisfies(c -> assertThat(c.costMicros())
                                .isEqualTo(byId.get("long-1").costMicros()));

                DeadLetter tombstone = serdes.deadLetters()
                        .deserializer()
                        .deserialize(
                                topics.deadLetters(),
                                kafka.readUntil(topics.deadLetters(), r -> !r.isEmpty(), Duration.ofSeconds(30))
                                        .getFirst()
                                        .value());
                assertThat(tombstone.stage()).isEqualTo("screen");
                assertThat(tombstone.originalValue()).isNull();

                // acme's 73 results, but for the 3 that named globex's endpoint; globex's 40, and nothing else.
                await().alias("every webhook to a registered endpoint delivered")
                        .atMost(Duration.ofSeconds(120))
                        .until(() -> acme.distinctAccepted() == 70 && globex.distinctAccepted() == 40);
                assertThat(globex.received())
                        .extracting(WebhookReceiver.Received::webhookId)
                        .allMatch(id -> id.startsWith("good-"))
                        .doesNotContain("aimed-20", "aimed-40", "aimed-60");
                assertThat(acme.received())
                        .extracting(WebhookReceiver.Received::webhookId)
                        .doesNotContain("aimed-20", "aimed-40", "aimed-60")
                        .contains("posing-1", "long-1", "meta-1");
                assertThat(services)
                        .allSatisfy(
                                s -> assertThat(s.health().up()).as(s.name()).isTrue());
            } finally {
                for (int i = services.size() - 1; i >= 0; i--) {
                    services.get(i).close();
                }
            }
        }
    }

    private static KafkaProducer<String, byte[]> compressingProducer(KafkaStack kafka) {
        return new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        kafka.bootstrapServers(),
                        ProducerConfig.COMPRESSION_TYPE_CONFIG,
                        "lz4",
                        ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                        4 << 20,
                        ProducerConfig.ACKS_CONFIG,
                        "all"),
                new StringSerializer(),
                new ByteArraySerializer());
    }

    private static String secret() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return "whsec_" + Base64.getEncoder().encodeToString(key);
    }

    private static void putTenant(
            KafkaProducer<String, byte[]> producer,
            Topics topics,
            SluiceSerdes serdes,
            String tenant,
            String endpoint,
            Path secretFile)
            throws Exception {
        TenantConfig config = TenantConfig.basic(
                tenant, new TenantConfig.Webhooks(List.of(endpoint), List.of("file:" + secretFile)), Instant.now());
        producer.send(new ProducerRecord<>(
                        topics.tenants(), tenant, serdes.tenants().serializer().serialize(topics.tenants(), config)))
                .get();
    }

    private static LlmRequest request(String id, String tenant, String prompt) {
        return new LlmRequest(
                id,
                tenant,
                null,
                null,
                Priority.NORMAL,
                null,
                null,
                null,
                List.of(Message.user(prompt)),
                128,
                null,
                null,
                null,
                Map.of("source", "bad-records-it"),
                Instant.now());
    }

    private static LlmRequest withWebhook(LlmRequest r, String webhook) {
        return new LlmRequest(
                r.requestId(),
                r.tenantId(),
                null,
                null,
                r.priority(),
                null,
                null,
                null,
                r.messages(),
                r.maxOutputTokens(),
                null,
                null,
                webhook,
                r.metadata(),
                r.createdAt());
    }

    private static LlmRequest withMaxOutput(LlmRequest r, int maxOutputTokens) {
        return new LlmRequest(
                r.requestId(),
                r.tenantId(),
                null,
                null,
                r.priority(),
                null,
                null,
                null,
                r.messages(),
                maxOutputTokens,
                null,
                null,
                null,
                r.metadata(),
                r.createdAt());
    }

    private static LlmRequest withKey(LlmRequest r, String idempotencyKey) {
        return new LlmRequest(
                r.requestId(),
                r.tenantId(),
                idempotencyKey,
                null,
                r.priority(),
                null,
                null,
                null,
                r.messages(),
                r.maxOutputTokens(),
                null,
                null,
                null,
                r.metadata(),
                r.createdAt());
    }
}
