package dev.sluice.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.DeadLetter;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.Message;
import dev.sluice.model.Priority;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.Tier;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.registry.RestSchemaRegistry;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@SluiceKafka
class RouterIT {

    @Test
    void shouldRouteRejectAndDeadLetterOnARealBrokerUnderExactlyOnce(KafkaStack kafka, @TempDir Path state)
            throws Exception {
        String prefix = kafka.newPrefix();
        Map<String, String> config = kafka.serviceConfig(prefix);
        config.put("router.state.dir", state.toString());
        Settings settings = new Settings(ConfigSource.of(config));
        RouterConfig routerConfig = RouterConfig.read(settings);
        settings.validate();
        Topics topics = new Topics(prefix);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));

        try (RouterService router = new RouterService(routerConfig)) {
            router.start();
            try (var producer = kafka.producer()) {
                var requests = serdes.requests().serializer();
                for (int i = 0; i < 20; i++) {
                    LlmRequest r = LlmRequest.of("ok-" + i, "tenant-" + (i % 3), "Question " + i, Instant.now());
                    producer.send(new ProducerRecord<>(topics.requests(), r.tenantId(),
                            requests.serialize(topics.requests(), r))).get();
                }
                LlmRequest empty = new LlmRequest("empty-1", "tenant-0", null, null, Priority.HIGH, null, null, null,
                        List.<Message>of(), 100, null, null, null, Map.of(), Instant.now());
                producer.send(new ProducerRecord<>(topics.requests(), "tenant-0",
                        requests.serialize(topics.requests(), empty))).get();
                producer.send(new ProducerRecord<>(topics.requests(), "tenant-1",
                        "\u0000\u0000\u0000\u0000\u0007garbage".getBytes(StandardCharsets.ISO_8859_1))).get();
                LlmRequest after = LlmRequest.of("after-garbage", "tenant-1", "still routed", Instant.now());
                producer.send(new ProducerRecord<>(topics.requests(), "tenant-1",
                        requests.serialize(topics.requests(), after))).get();
            }

            String jobTopic = topics.job(Tier.MEDIUM, Priority.NORMAL);
            List<LlmJob> jobs = kafka.readUntil(jobTopic, r -> r.size() >= 21, Duration.ofSeconds(60)).stream()
                    .map(r -> serdes.jobs().deserializer().deserialize(jobTopic, r.value())).toList();
            assertThat(jobs).hasSize(21);
            assertThat(jobs).extracting(LlmJob::requestId).contains("ok-0", "ok-19", "after-garbage")
                    .doesNotHaveDuplicates();

            List<LlmResult> refused = kafka.readUntil(topics.completions(), r -> !r.isEmpty(), Duration.ofSeconds(30))
                    .stream().map(r -> serdes.results().deserializer().deserialize(topics.completions(), r.value()))
                    .toList();
            assertThat(refused).singleElement().satisfies(r -> {
                assertThat(r.requestId()).isEqualTo("empty-1");
                assertThat(r.status()).isEqualTo(ResultStatus.REJECTED);
                assertThat(r.error().code()).isEqualTo(Reasons.EMPTY_MESSAGES);
            });

            // read_committed: the dead letter is visible only because it committed with the transaction.
            List<DeadLetter> letters = kafka.readUntil(topics.deadLetters(), r -> !r.isEmpty(), Duration.ofSeconds(30))
                    .stream().map(r -> serdes.deadLetters().deserializer().deserialize(topics.deadLetters(), r.value()))
                    .toList();
            assertThat(letters).singleElement().satisfies(d -> {
                assertThat(d.sourceTopic()).isEqualTo(topics.requests());
                assertThat(d.stage()).isEqualTo("deserialize");
                assertThat(d.service()).startsWith("sluice-router");
                assertThat(new String(d.originalValue(), StandardCharsets.ISO_8859_1)).endsWith("garbage");
            });
            assertThat(router.health().up()).isTrue();
            assertThat(router.ready()).isTrue();
            var opsHealth = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + router.opsPort() + "/ready")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(opsHealth.statusCode()).isEqualTo(200);
            assertThat(opsHealth.body()).contains("\"ready\":true");
        }
    }
}
