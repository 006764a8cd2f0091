package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
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
        String topic = newTopic(kafka, "echo", 2);
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
    void shouldReadAllOfATransactionOpenWhenTheReadBegan(KafkaStack kafka) throws Exception {
        String topic = newTopic(kafka, "open", 2);
        try (var producer = transactional(kafka)) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 6; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, new byte[] {(byte) i}))
                        .get();
            }
            CompletableFuture<List<ConsumerRecord<String, byte[]>>> read =
                    CompletableFuture.supplyAsync(() -> kafka.readAll(topic, Duration.ofSeconds(30)));
            CompletableFuture<Map<TopicPartition, Long>> settled =
                    CompletableFuture.supplyAsync(() -> kafka.settledEndOffsets(topic));
            // Both wait for the open transaction rather than answer without its records.
            await().alias("readAll and settledEndOffsets still waiting while the transaction is open")
                    .during(Duration.ofSeconds(1))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> !read.isDone() && !settled.isDone());
            producer.commitTransaction();

            assertThat(read.get(30, TimeUnit.SECONDS)).hasSize(6);
            // Each partition that took records ends after them and their commit marker.
            Map<TopicPartition, Long> ends = settled.get(30, TimeUnit.SECONDS);
            Map<Integer, Long> perPartition = new java.util.HashMap<>();
            read.get().forEach(r -> perPartition.merge(r.partition(), 1L, Long::sum));
            assertThat(ends)
                    .allSatisfy(
                            (tp, end) -> assertThat(end).isEqualTo(perPartition.getOrDefault(tp.partition(), -1L) + 1));
        }
    }

    /**
     * A commit returns before its markers are on the log; settledEndOffsets taken right after it
     * already count them (even rounds). Odd rounds take a plain read_committed end offset first and
     * print how many of them moved afterwards (docs/benchmarks.md).
     */
    @Test
    void shouldSettleEndOffsetsRightAfterACommit(KafkaStack kafka) throws Exception {
        String topic = newTopic(kafka, "settle", 4);
        int rounds = Integer.getInteger("sluice.settle.rounds", 10);
        int moved = 0;
        try (var producer = transactional(kafka);
                var reader = kafka.committedReader()) {
            producer.initTransactions();
            List<TopicPartition> partitions = java.util.stream.IntStream.range(0, 4)
                    .mapToObj(p -> new TopicPartition(topic, p))
                    .toList();
            for (int round = 0; round < rounds; round++) {
                producer.beginTransaction();
                for (int i = 0; i < 8; i++) {
                    // One at a time: a new topic's partitions may not take a second batch in flight
                    // yet (KAFKA-15591).
                    producer.send(new ProducerRecord<>(topic, "k" + i, new byte[] {(byte) i}))
                            .get();
                }
                producer.commitTransaction();
                Map<TopicPartition, Long> settled;
                if (round % 2 == 0) {
                    settled = kafka.settledEndOffsets(topic);
                } else {
                    // The measurement: a plain end offset first, the settled one after it.
                    Map<TopicPartition, Long> plain = reader.endOffsets(partitions);
                    settled = kafka.settledEndOffsets(topic);
                    moved += plain.equals(settled) ? 0 : 1;
                }
                // Every record and commit marker so far: one marker per round on each partition
                // the round wrote to (the same keys, so the same partitions, every round).
                List<ConsumerRecord<String, byte[]>> records = kafka.readAll(topic, Duration.ofSeconds(30));
                long written =
                        records.stream().map(r -> r.partition()).distinct().count();
                assertThat(settled.values().stream().mapToLong(Long::longValue).sum())
                        .as("round %d", round)
                        .isEqualTo(records.size() + (round + 1) * written);
            }
        }
        System.out.printf(
                "settle: read_committed end offsets taken right after the commit moved afterwards in %d of %d rounds%n",
                moved, rounds / 2);
    }

    @Test
    void shouldNameThePartitionsAReadCouldNotFinish(KafkaStack kafka) throws Exception {
        String topic = newTopic(kafka, "stuck", 1);
        try (var producer = transactional(kafka)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", new byte[] {1})).get();
            assertThatThrownBy(() -> kafka.readAll(topic, Duration.ofSeconds(2)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("read " + topic + " only to {" + topic + "-0=0}")
                    .hasMessageContaining("end offsets were {" + topic + "-0=1}");
            producer.abortTransaction();
        }
        assertThat(kafka.readAll(topic, Duration.ofSeconds(30))).isEmpty();
    }

    /** A topic of this test's own, made with the partitions given. */
    private static String newTopic(KafkaStack kafka, String name, int partitions) throws Exception {
        String topic = kafka.newPrefix() + name;
        try (var admin = kafka.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1)))
                    .all()
                    .get();
        }
        return topic;
    }

    private static KafkaProducer<String, byte[]> transactional(KafkaStack kafka) {
        return new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        kafka.bootstrapServers(),
                        ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                        "kafka-stack-it-" + java.util.UUID.randomUUID()),
                new StringSerializer(),
                new ByteArraySerializer());
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
