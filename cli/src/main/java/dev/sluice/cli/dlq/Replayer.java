package dev.sluice.cli.dlq;

import dev.sluice.cli.CompactedTopic;
import dev.sluice.model.DeadLetter;
import dev.sluice.model.DeadLetterReplay;
import dev.sluice.runtime.config.Secret;
import dev.sluice.runtime.kafka.KafkaSettings;
import dev.sluice.runtime.kafka.TopicLayout;
import dev.sluice.runtime.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Puts dead letters' originals back on their source topics, each with a record of it on
 * llm.dead-letters.replays, all in one Kafka transaction: a letter is replayed and marked
 * replayed, or neither. The transactional id is the installation's, so a second replay started
 * meanwhile fences the first (its transaction is aborted) and then reads the first's records of what
 * was replayed before it chooses; no letter is put back twice.
 */
final class Replayer {
    /** Header on every record put back: which letter it came from, for whoever reads the topic. */
    static final String HEADER = "sluice.replayed-from";

    private final String bootstrap;
    private final Topics topics;
    private final DeadLetterTopic letters;

    Replayer(String bootstrap, DeadLetterTopic letters) {
        this.bootstrap = bootstrap;
        this.topics = letters.topics();
        this.letters = letters;
    }

    /** What became of one letter: the place it was put back, or why it was not. */
    record Outcome(Letter letter, String topic, int partition, long offset, String refusal) {
        boolean replayed() {
            return refusal == null;
        }
    }

    /**
     * Replays the chosen letters that can be; the others are refused, saying why. {@code choose}
     * picks the letters once the replays on record are known (read inside the fence).
     */
    List<Outcome> replay(Function<Map<String, DeadLetterReplay>, List<Letter>> choose, String by) throws Exception {
        ensureLedger();
        KafkaSettings naming =
                new KafkaSettings(bootstrap, "http://unused", Secret.of(null), topics, TopicLayout.DEFAULT, Map.of());
        Map<String, Object> props = dev.sluice.cli.CliKafka.client(bootstrap);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, naming.groupId("sluice-dlq-replay"));
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000);
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            List<Letter> chosen = choose.apply(letters.replays());
            Map<String, Integer> partitionCounts = partitionCounts(chosen);
            List<Outcome> outcomes = new ArrayList<>();
            producer.beginTransaction();
            try {
                for (Letter l : chosen) {
                    Optional<String> refusal = l.unreplayable(topics);
                    Integer partitions = partitionCounts.get(l.letter().sourceTopic());
                    if (refusal.isEmpty() && partitions == null) {
                        refusal = Optional.of(l.letter().sourceTopic() + " does not exist");
                    }
                    if (refusal.isPresent()) {
                        outcomes.add(new Outcome(l, null, -1, -1, refusal.get()));
                        continue;
                    }
                    RecordMetadata put = producer.send(original(l, partitions)).get();
                    DeadLetterReplay record = new DeadLetterReplay(
                            topics.deadLetters(),
                            l.partition(),
                            l.offset(),
                            put.topic(),
                            put.partition(),
                            put.offset(),
                            Instant.now(),
                            by);
                    producer.send(new ProducerRecord<>(
                                    topics.deadLetterReplays(),
                                    bytes(l.id()),
                                    letters.serdes()
                                            .deadLetterReplays()
                                            .serializer()
                                            .serialize(topics.deadLetterReplays(), record)))
                            .get();
                    outcomes.add(new Outcome(l.replayed(record), put.topic(), put.partition(), put.offset(), null));
                }
                producer.commitTransaction();
            } catch (Exception e) {
                producer.abortTransaction();
                throw e;
            }
            return outcomes;
        }
    }

    /**
     * The original as it was, on the partition it came from (where its key put it, and where a
     * Streams app's internal topic needs it) unless the topic now has fewer; dated now, as a new
     * record is.
     */
    private static ProducerRecord<byte[], byte[]> original(Letter l, int partitions) {
        DeadLetter d = l.letter();
        RecordHeaders headers = new RecordHeaders();
        d.originalHeaders().forEach(h -> headers.add(h.key(), h.value()));
        headers.add(
                HEADER,
                bytes(d.sourceTopic() + "-" + d.sourcePartition() + "@" + d.sourceOffset() + " via dead letter "
                        + l.id()));
        Integer partition = d.sourcePartition() >= 0 && d.sourcePartition() < partitions ? d.sourcePartition() : null;
        return new ProducerRecord<>(d.sourceTopic(), partition, null, d.originalKey(), d.originalValue(), headers);
    }

    private Map<String, Integer> partitionCounts(List<Letter> chosen) throws Exception {
        List<String> names = chosen.stream()
                .map(l -> l.letter().sourceTopic())
                .filter(t -> t != null && !t.isEmpty())
                .distinct()
                .toList();
        Map<String, Integer> counts = new HashMap<>();
        if (names.isEmpty()) {
            return counts;
        }
        try (Admin admin = Admin.create(dev.sluice.cli.CliKafka.client(bootstrap))) {
            var existing = admin.listTopics().names().get();
            List<String> present = names.stream().filter(existing::contains).toList();
            for (TopicDescription d :
                    admin.describeTopics(present).allTopicNames().get().values()) {
                counts.put(d.name(), d.partitions().size());
            }
        }
        return counts;
    }

    /**
     * The services create the replays topic at start, with the installation's replication; this
     * command does not guess it, so it refuses to replay without one.
     */
    private void ensureLedger() {
        new CompactedTopic(bootstrap, topics.deadLetterReplays()).check();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
