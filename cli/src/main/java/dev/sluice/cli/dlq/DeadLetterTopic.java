package dev.sluice.cli.dlq;

import dev.sluice.cli.CompactedTopic;
import dev.sluice.cli.KafkaTarget;
import dev.sluice.model.DeadLetter;
import dev.sluice.model.DeadLetterReplay;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.serde.SerdeConfig;
import dev.sluice.schemas.serde.SluiceSerdes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * llm.dead-letters as {@code sluice dlq} reads it: letters from a moment on, or one at its place,
 * each with the record of its replay from llm.dead-letters.replays. Read read_committed, as the
 * Streams apps write letters inside their transactions.
 */
final class DeadLetterTopic {
    private final KafkaTarget target;
    private final Topics topics;
    private final SluiceSerdes serdes;

    DeadLetterTopic(KafkaTarget target) {
        this.target = target;
        this.topics = target.topics();
        this.serdes = new SluiceSerdes(SerdeConfig.registry(target.registryUrl(), null));
    }

    Topics topics() {
        return topics;
    }

    SluiceSerdes serdes() {
        return serdes;
    }

    /** The topic, once Kafka and it are there; else a sentence a user can act on. */
    static DeadLetterTopic checked(KafkaTarget target) {
        DeadLetterTopic topic = new DeadLetterTopic(target);
        new CompactedTopic(target.bootstrap(), topic.topics.deadLetters()).check();
        return topic;
    }

    /** The letters written since {@code since} (every letter when null) that {@code keep} keeps, oldest first. */
    List<Letter> read(Instant since, Predicate<DeadLetter> keep) {
        Deserializer<DeadLetter> decode = serdes.deadLetters().deserializer();
        List<Letter> out = new ArrayList<>();
        String topic = topics.deadLetters();
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = partitions(consumer, topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            if (since != null) {
                Map<TopicPartition, Long> at = new HashMap<>();
                partitions.forEach(p -> at.put(p, since.toEpochMilli()));
                for (Map.Entry<TopicPartition, OffsetAndTimestamp> e : consumer.offsetsForTimes(at).entrySet()) {
                    if (e.getValue() == null) {
                        consumer.seekToEnd(List.of(e.getKey()));
                    } else {
                        consumer.seek(e.getKey(), e.getValue().offset());
                    }
                }
            }
            readToEnd(consumer, partitions, r -> {
                DeadLetter letter = decode.deserialize(topic, r.value());
                if (letter != null && keep.test(letter)) {
                    out.add(new Letter(r.partition(), r.offset(), letter, null));
                }
            });
        }
        out.sort(Comparator.comparing((Letter l) -> l.letter().occurredAt()).thenComparing(Letter::partition)
                .thenComparing(Letter::offset));
        return withReplays(out);
    }

    /** The letter at a partition and offset; empty when there is none there (expired, or never written). */
    Optional<Letter> at(int partition, long offset) {
        String topic = topics.deadLetters();
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = partitions(consumer, topic);
            TopicPartition tp = new TopicPartition(topic, partition);
            if (!partitions.contains(tp)) {
                return Optional.empty();
            }
            consumer.assign(List.of(tp));
            consumer.seek(tp, offset);
            List<Letter> found = new ArrayList<>();
            readToEnd(consumer, List.of(tp), r -> {
                if (r.offset() == offset && found.isEmpty()) {
                    found.add(new Letter(partition, offset, serdes.deadLetters().deserializer().deserialize(topic,
                            r.value()), null));
                }
            });
            return withReplays(found).stream().findFirst();
        }
    }

    /** The partitions of the dead-letter topic. */
    List<Integer> partitions() {
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            return partitions(consumer, topics.deadLetters()).stream().map(TopicPartition::partition).toList();
        }
    }

    /** Every replay on record, by letter id. */
    Map<String, DeadLetterReplay> replays() {
        String topic = topics.deadLetterReplays();
        Map<String, DeadLetterReplay> out = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = consumer.listTopics(Duration.ofSeconds(10)).containsKey(topic)
                    ? partitions(consumer, topic) : List.of();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            readToEnd(consumer, partitions, r -> {
                if (r.value() != null) {
                    DeadLetterReplay replay = serdes.deadLetterReplays().deserializer().deserialize(topic, r.value());
                    out.put(replay.letterId(), replay);
                }
            });
        }
        return out;
    }

    private List<Letter> withReplays(List<Letter> letters) {
        if (letters.isEmpty()) {
            return letters;
        }
        Map<String, DeadLetterReplay> replays = replays();
        return letters.stream().map(l -> l.replayed(replays.get(l.id()))).toList();
    }

    private KafkaConsumer<String, byte[]> consumer() {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, target.bootstrap(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 << 20),
                new StringDeserializer(), new ByteArrayDeserializer());
    }

    private static List<TopicPartition> partitions(KafkaConsumer<String, byte[]> consumer, String topic) {
        return consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    /** Reads each partition up to its end as it was when the read began (the last stable offset). */
    private static void readToEnd(KafkaConsumer<String, byte[]> consumer, List<TopicPartition> partitions,
            java.util.function.Consumer<ConsumerRecord<String, byte[]>> each) {
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("reading " + partitions + " did not reach its end in 60 s");
            }
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                    each.accept(r);
                }
            }
        }
    }
}
