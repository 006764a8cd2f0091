package dev.sluice.cli.dlq;

import dev.sluice.cli.CompactedTopic;
import dev.sluice.cli.KafkaTarget;
import dev.sluice.cli.TopicReader;
import dev.sluice.model.DeadLetter;
import dev.sluice.model.DeadLetterReplay;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.serde.SerdeConfig;
import dev.sluice.schemas.serde.SluiceSerdes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
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
        try (TopicReader reader = new TopicReader(target.bootstrap())) {
            KafkaConsumer<String, byte[]> consumer = reader.consumer();
            List<TopicPartition> partitions = reader.partitions(topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            if (since != null) {
                Map<TopicPartition, Long> at = new HashMap<>();
                partitions.forEach(p -> at.put(p, since.toEpochMilli()));
                for (Map.Entry<TopicPartition, OffsetAndTimestamp> e :
                        consumer.offsetsForTimes(at).entrySet()) {
                    if (e.getValue() == null) {
                        consumer.seekToEnd(List.of(e.getKey()));
                    } else {
                        consumer.seek(e.getKey(), e.getValue().offset());
                    }
                }
            }
            reader.readToEnd(partitions, r -> {
                DeadLetter letter = decode.deserialize(topic, r.value());
                if (letter != null && keep.test(letter)) {
                    out.add(new Letter(r.partition(), r.offset(), letter, null));
                }
            });
        }
        out.sort(Comparator.comparing((Letter l) -> l.letter().occurredAt())
                .thenComparingInt(Letter::partition)
                .thenComparingLong(Letter::offset));
        return withReplays(out);
    }

    /** The letter at a partition and offset; empty when there is none there (expired, or never written). */
    Optional<Letter> at(int partition, long offset) {
        String topic = topics.deadLetters();
        try (TopicReader reader = new TopicReader(target.bootstrap())) {
            TopicPartition tp = new TopicPartition(topic, partition);
            if (!reader.partitions(topic).contains(tp)) {
                return Optional.empty();
            }
            reader.consumer().assign(List.of(tp));
            reader.consumer().seek(tp, offset);
            List<Letter> found = new ArrayList<>();
            reader.readToEnd(List.of(tp), r -> {
                if (r.offset() == offset && found.isEmpty()) {
                    found.add(new Letter(
                            partition,
                            offset,
                            serdes.deadLetters().deserializer().deserialize(topic, r.value()),
                            null));
                }
            });
            return withReplays(found).stream().findFirst();
        }
    }

    /** The partitions of the dead-letter topic. */
    List<Integer> partitions() {
        try (TopicReader reader = new TopicReader(target.bootstrap())) {
            return reader.partitions(topics.deadLetters()).stream()
                    .map(TopicPartition::partition)
                    .toList();
        }
    }

    /** Every replay on record, by letter id. */
    Map<String, DeadLetterReplay> replays() {
        String topic = topics.deadLetterReplays();
        Map<String, DeadLetterReplay> out = new HashMap<>();
        try (TopicReader reader = new TopicReader(target.bootstrap())) {
            reader.readAll(reader.partitions(topic), r -> {
                if (r.value() != null) {
                    DeadLetterReplay replay =
                            serdes.deadLetterReplays().deserializer().deserialize(topic, r.value());
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
}
