package dev.sluice.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.ResultStatus;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.registry.RestSchemaRegistry;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@SluiceKafka
class SinkRestartIT {

    @Test
    void shouldKeepDedupeStateAcrossACleanRestart(KafkaStack kafka, @TempDir Path dir) throws Exception {
        String prefix = kafka.newPrefix();
        Map<String, String> values = new HashMap<>(kafka.serviceConfig(prefix));
        values.put("sink.state.dir", dir.toString());
        values.put("webhooks.enabled", "false");
        Settings settings = new Settings(ConfigSource.of(values));
        SinkConfig config = SinkConfig.read(settings);
        settings.validate();
        Topics topics = new Topics(prefix);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        var serializer = serdes.results().serializer();

        try (var producer = kafka.producer()) {
            try (SinkService sink = new SinkService(config)) {
                sink.start();
                for (int i = 0; i < 10; i++) {
                    LlmResult r = LlmResult.forRequest(LlmRequest.of("r-" + i, "t-" + (i % 3), "q", Instant.now()))
                            .status(ResultStatus.SUCCEEDED)
                            .completedAt(Instant.now())
                            .build();
                    producer.send(new ProducerRecord<>(
                                    topics.completions(), r.tenantId(), serializer.serialize(topics.completions(), r)))
                            .get();
                }
                assertThat(kafka.readUntil(topics.results(), r -> r.size() >= 10, Duration.ofSeconds(60)))
                        .hasSize(10);
            }
            try (SinkService again = new SinkService(config)) {
                again.start();
                for (int i = 0; i < 10; i++) {
                    LlmResult r = LlmResult.forRequest(LlmRequest.of("r-" + i, "t-" + (i % 3), "q", Instant.now()))
                            .status(ResultStatus.SUCCEEDED)
                            .completedAt(Instant.now())
                            .build();
                    producer.send(new ProducerRecord<>(
                                    topics.completions(), r.tenantId(), serializer.serialize(topics.completions(), r)))
                            .get();
                }
                LlmResult fresh = LlmResult.forRequest(LlmRequest.of("r-new", "t-0", "q", Instant.now()))
                        .status(ResultStatus.SUCCEEDED)
                        .completedAt(Instant.now())
                        .build();
                producer.send(new ProducerRecord<>(
                                topics.completions(), "t-0", serializer.serialize(topics.completions(), fresh)))
                        .get();
                var results = kafka.readUntil(topics.results(), r -> r.size() >= 11, Duration.ofSeconds(60));
                assertThat(results).hasSize(11);
            }
        }
    }
}
