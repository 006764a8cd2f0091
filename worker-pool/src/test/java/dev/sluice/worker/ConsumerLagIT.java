package dev.sluice.worker;

import static org.awaitility.Awaitility.await;

import dev.sluice.runtime.ops.ConsumerLag;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * {@code sluice_consumer_lag_records} (runtime's ConsumerLag, tested here where a broker is at
 * hand): per group and topic, committed offset to last stable offset, over the partitions this
 * instance owns only, with a group that has committed nothing counted from the start.
 */
@SluiceKafka
class ConsumerLagIT {

    @Test
    void shouldCountTheRecordsAfterTheCommittedOffsetOfTheOwnedPartitionsOnly(KafkaStack kafka) throws Exception {
        String topic = kafka.newPrefix() + "lagging";
        TopicPartition p0 = new TopicPartition(topic, 0);
        TopicPartition p1 = new TopicPartition(topic, 1);
        String group = "lag-" + topic;
        try (Admin admin = kafka.admin();
                KafkaProducer<String, byte[]> producer = kafka.producer()) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
            // Given six records on partition 0, four on partition 1, and the group at offset 2 of
            // partition 0 only
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, i < 6 ? 0 : 1, "k", new byte[] {1}))
                        .get();
            }
            admin.alterConsumerGroupOffsets(group, Map.of(p0, new OffsetAndMetadata(2)))
                    .all()
                    .get();
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            AtomicReference<Set<TopicPartition>> owned = new AtomicReference<>(Set.of(p0, p1));

            try (ConsumerLag lag = new ConsumerLag(
                            Map.of("bootstrap.servers", kafka.bootstrapServers()), registry, Duration.ofMillis(200))
                    .track(group, owned::get)
                    .start()) {
                // Then 4 behind on partition 0 and all 4 on partition 1, which the group never committed
                await().alias("the lag of both partitions")
                        .atMost(Duration.ofSeconds(30))
                        .until(() -> lag(registry, group, topic), v -> v == 8.0);

                // When this instance keeps partition 0 alone, only its lag is this instance's to report
                owned.set(Set.of(p0));
                await().alias("the lag of partition 0 alone")
                        .atMost(Duration.ofSeconds(30))
                        .until(() -> lag(registry, group, topic), v -> v == 4.0);

                // And records of a transaction still open are no lag yet; once it commits they are,
                // and so is its marker, until the group reads past it
                try (KafkaProducer<String, byte[]> tx = transactional(kafka, topic)) {
                    tx.initTransactions();
                    tx.beginTransaction();
                    for (int i = 0; i < 3; i++) {
                        tx.send(new ProducerRecord<>(topic, 0, "k", new byte[] {2}))
                                .get();
                    }
                    await().alias("an open transaction's records left out")
                            .during(Duration.ofMillis(600))
                            .atMost(Duration.ofSeconds(5))
                            .until(() -> lag(registry, group, topic), v -> v == 4.0);
                    tx.commitTransaction();
                }
                await().alias("a committed transaction's records and marker counted")
                        .atMost(Duration.ofSeconds(30))
                        .until(() -> lag(registry, group, topic), v -> v == 8.0);

                // And nothing owned, no series
                owned.set(Set.of());
                await().alias("no series without partitions")
                        .atMost(Duration.ofSeconds(30))
                        .until(() -> registry.find("sluice_consumer_lag_records")
                                .gauges()
                                .isEmpty());
            }
        }
    }

    private static double lag(SimpleMeterRegistry registry, String group, String topic) {
        Gauge g = registry.find("sluice_consumer_lag_records")
                .tags("group", group, "topic", topic)
                .gauge();
        return g == null ? -1 : g.value();
    }

    private static KafkaProducer<String, byte[]> transactional(KafkaStack kafka, String topic) {
        return new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        kafka.bootstrapServers(),
                        ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                        "lag-" + topic),
                new StringSerializer(),
                new ByteArraySerializer());
    }
}
