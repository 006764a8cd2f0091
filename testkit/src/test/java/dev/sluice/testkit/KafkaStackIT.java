package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@SluiceKafka
class KafkaStackIT {
    private static KafkaStack sharedInBeforeAll;

    @BeforeAll
    static void remember(KafkaStack kafka) {
        sharedInBeforeAll = kafka;
    }

    @Test
    void shouldGiveEveryTestOfAClassTheSameRunningStack(KafkaStack kafka) {
        assertThat(kafka).isSameAs(sharedInBeforeAll);
        assertThat(kafka.bootstrapServers()).startsWith("127.0.0.1:");
    }

    @Test
    void shouldProduceAndReadBackCommittedRecords(KafkaStack kafka) throws Exception {
        String topic = kafka.newPrefix() + "echo";
        try (var admin = kafka.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
        }
        try (var producer = kafka.producer()) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, ("v" + i).getBytes(StandardCharsets.UTF_8)))
                        .get();
            }
        }
        var records = kafka.readUntil(topic, r -> r.size() >= 10, Duration.ofSeconds(30));
        assertThat(records).hasSize(10);
        assertThat(records).extracting(r -> r.key()).contains("k0", "k9");
    }

    @Test
    void shouldServeTheRegistryOverHttp(KafkaStack kafka) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(kafka.registryUrl() + "/subjects"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/vnd.schemaregistry.v1+json"));
    }

    @Test
    void shouldHandOutDistinctTopicPrefixes(KafkaStack kafka) {
        assertThat(kafka.newPrefix()).isNotEqualTo(kafka.newPrefix()).endsWith(".");
    }
}
