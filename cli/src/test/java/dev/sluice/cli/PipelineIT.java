package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.avro.LlmRequest;
import dev.sluice.avro.Message;
import dev.sluice.avro.Role;
import dev.sluice.devstack.webhooks.WebhookReceiver;
import dev.sluice.model.DeadLetter;
import dev.sluice.model.LlmResult;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.TenantConfig;
import dev.sluice.router.RouterConfig;
import dev.sluice.router.RouterService;
import dev.sluice.runtime.SluiceService;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.registry.RestSchemaRegistry;
import dev.sluice.schemas.serde.AvroSerializer;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.sim.ProviderSimulator;
import dev.sluice.sim.SimConfig;
import dev.sluice.sink.SinkConfig;
import dev.sluice.sink.SinkService;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import dev.sluice.worker.WorkerConfig;
import dev.sluice.worker.WorkerService;
import java.nio.charset.StandardCharsets;
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
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spine end to end on a real broker: requests produced with Sluice's Avro serializer go
 * through router-stream, worker-pool (against the provider simulator over HTTP) and result-sink,
 * and come out as exactly one result each on llm.results and one signed webhook each at a real
 * HTTP receiver that verifies signatures with the Standard Webhooks library.
 */
@SluiceKafka
class PipelineIT {
    private static final int REQUESTS = 500;

    @Test
    void shouldTurnEveryAcceptedRequestIntoExactlyOneResultAndOneVerifiedWebhook(KafkaStack kafka, @TempDir Path dir)
            throws Exception {
        String prefix = kafka.newPrefix();
        Topics topics = new Topics(prefix);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        String secret = "whsec_" + Base64.getEncoder().encodeToString(key);
        Path secretFile = Files.writeString(dir.resolve("tenant.whsec"), secret);

        try (ProviderSimulator sim = ProviderSimulator.start(
                        SimConfig.defaults().withLatency(Duration.ofMillis(20), Duration.ofMillis(20)));
                WebhookReceiver receiver = WebhookReceiver.start(secret, "127.0.0.1", 0)) {
            Map<String, String> config = new HashMap<>(kafka.serviceConfig(prefix));
            config.put("router.state.dir", dir.resolve("router").toString());
            config.put("sink.state.dir", dir.resolve("sink").toString());
            config.put("providers.openai.base.url", sim.baseUrl());
            config.put("providers.openai.api.key", "sk-pipeline");
            config.put("webhooks.allowed.hosts", "127.0.0.1");
            List<SluiceService> services = new ArrayList<>();
            try (var producer = kafka.producer()) {
                services.add(InProcessServices.start(config, RouterConfig::read, RouterService::new));
                services.add(InProcessServices.start(config, WorkerConfig::read, WorkerService::new));
                services.add(InProcessServices.start(config, SinkConfig::read, SinkService::new));

                TenantConfig tenant = TenantConfig.basic(
                        "acme",
                        new TenantConfig.Webhooks(List.of(receiver.url()), List.of("file:" + secretFile)),
                        Instant.now());
                producer.send(new ProducerRecord<>(
                                topics.tenants(),
                                "acme",
                                serdes.tenants().serializer().serialize(topics.tenants(), tenant)))
                        .get();

                // The project's own Avro serializer, exactly as a user's producer would use it.
                AvroSerializer<LlmRequest> serializer =
                        new AvroSerializer<>(new RestSchemaRegistry(kafka.registryUrl()), true);
                for (int i = 0; i < REQUESTS; i++) {
                    producer.send(new ProducerRecord<>(
                            topics.requests(),
                            "acme",
                            serializer.serialize(topics.requests(), request("req-" + i, "Summarise item " + i))));
                }
                producer.send(new ProducerRecord<>(
                        topics.requests(),
                        "acme",
                        serializer.serialize(topics.requests(), requestWithoutMessages("empty-1"))));
                producer.send(new ProducerRecord<>(
                        topics.requests(), "acme", "\u0000garbage, not Avro".getBytes(StandardCharsets.UTF_8)));
                for (int i = 0; i < 5; i++) {
                    producer.send(new ProducerRecord<>(
                            topics.requests(),
                            "acme",
                            serializer.serialize(topics.requests(), request("after-" + i, "After the garbage"))));
                }
                producer.flush();

                int expected = REQUESTS + 1 + 5;
                List<LlmResult> results =
                        kafka.readUntil(topics.results(), r -> r.size() >= expected, Duration.ofSeconds(180)).stream()
                                .map(r -> serdes.results().deserializer().deserialize(topics.results(), r.value()))
                                .toList();
                Map<String, LlmResult> byId =
                        results.stream().collect(Collectors.toMap(LlmResult::requestId, Function.identity()));

                assertThat(results).hasSize(expected);
                assertThat(byId).hasSize(expected);
                assertThat(results)
                        .filteredOn(r -> !r.requestId().equals("empty-1"))
                        .allSatisfy(r -> assertThat(r.status()).isEqualTo(ResultStatus.SUCCEEDED));
                assertThat(byId.get("empty-1").status()).isEqualTo(ResultStatus.REJECTED);
                assertThat(byId.get("empty-1").error().code()).isEqualTo("EMPTY_MESSAGES");
                assertThat(byId).containsKeys("after-0", "after-4");

                await().alias("a verified webhook for every result")
                        .atMost(Duration.ofSeconds(120))
                        .until(receiver::distinctAccepted, n -> n == expected);
                assertThat(receiver.received())
                        .allSatisfy(r -> assertThat(r.verified()).isTrue());
                assertThat(receiver.received())
                        .extracting(WebhookReceiver.Received::webhookId)
                        .containsAll(byId.keySet());

                DeadLetter letter = serdes.deadLetters()
                        .deserializer()
                        .deserialize(
                                topics.deadLetters(),
                                kafka.readUntil(topics.deadLetters(), r -> !r.isEmpty(), Duration.ofSeconds(30))
                                        .getFirst()
                                        .value());
                assertThat(letter.sourceTopic()).isEqualTo(topics.requests());
                assertThat(new String(letter.originalValue(), StandardCharsets.UTF_8))
                        .endsWith("garbage, not Avro");
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

    private static LlmRequest request(String id, String prompt) {
        return LlmRequest.newBuilder()
                .setRequestId(id)
                .setTenantId("acme")
                .setMessages(List.of(new Message(Role.USER, prompt, false)))
                .setMaxOutputTokens(128)
                .setCreatedAt(Instant.now())
                .build();
    }

    private static LlmRequest requestWithoutMessages(String id) {
        return LlmRequest.newBuilder()
                .setRequestId(id)
                .setTenantId("acme")
                .setMessages(List.of())
                .setCreatedAt(Instant.now())
                .build();
    }
}
