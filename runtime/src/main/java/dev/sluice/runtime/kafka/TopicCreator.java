package dev.sluice.runtime.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the topics of the catalogue that do not exist yet. Existing topics are left alone; one
 * whose partition count differs from the catalogue is reported, because co-partitioning of the
 * tenant-keyed topics depends on it, and so is one that takes smaller records than Sluice writes.
 * It returns once every topic takes writes ({@link #awaitWritable}).
 */
public final class TopicCreator {
    private static final Logger log = LoggerFactory.getLogger(TopicCreator.class);

    private TopicCreator() {}

    /** Returns the names of the topics it created. */
    public static List<String> ensure(KafkaSettings kafka) {
        return ensure(kafka.common(), kafka.topics().all(kafka.layout()));
    }

    public static List<String> ensure(Map<String, Object> adminProps, List<Topics.TopicSpec> specs) {
        try (Admin admin = Admin.create(adminProps)) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (Topics.TopicSpec spec : specs) {
                if (!existing.contains(spec.name())) {
                    missing.add(
                            new NewTopic(spec.name(), spec.partitions(), spec.replication()).configs(spec.configs()));
                }
            }
            List<String> created = new ArrayList<>();
            for (var entry : admin.createTopics(missing).values().entrySet()) {
                try {
                    entry.getValue().get(30, TimeUnit.SECONDS);
                    created.add(entry.getKey());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            checkPartitions(admin, specs, existing);
            undersized(admin, specs, existing);
            // Every topic, not only those created here: another service starting beside this one may
            // have created one a moment ago (TopicExistsException above).
            awaitWritable(admin, specs.stream().map(Topics.TopicSpec::name).toList(), Duration.ofSeconds(30));
            if (!created.isEmpty()) {
                log.info("Created {} topics: {}", created.size(), created);
            }
            return created;
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Could not create Sluice's topics: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }

    /**
     * Waits until the brokers accept writes to every partition of {@code topics}, which a topic
     * just created does not do at once. Call it between creating a topic and producing to it.
     *
     * <p>Kafka up to 4.4 can lose an idempotent producer's first batch to a new partition
     * (KAFKA-15591, fixed in 4.5). The batch meets NOT_LEADER_OR_FOLLOWER because the leader has
     * not made the partition yet; the next batch, already in flight, arrives once it has and is
     * written; every retry of the first then gets OUT_OF_ORDER_SEQUENCE_NUMBER until
     * {@code delivery.timeout.ms} expires it. Waiting for a leader in the metadata is not enough: a
     * broker serves the new metadata a moment before it makes the partitions. So this asks each
     * partition's leader for its latest offset, which only a leader that has made the partition
     * answers (ADR 0028).
     */
    public static void awaitWritable(Admin admin, Collection<String> topics, Duration timeout)
            throws ExecutionException, InterruptedException, TimeoutException {
        if (topics.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            // A last look after the deadline still gives the brokers a second to answer.
            long answerBy = Math.max(deadline, System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
            List<String> waiting = notWritable(admin, topics, answerBy);
            if (waiting.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException(
                        "no writes taken after " + timeout.toSeconds() + " s by " + String.join(", ", waiting));
            }
            Thread.sleep(20);
        }
    }

    /**
     * The topics the brokers do not list yet and the partitions whose leader does not answer yet,
     * as far as can be told by {@code deadline}. Topics are listed before they are described: one
     * unknown topic would hold the answer for all the others of a describe.
     */
    private static List<String> notWritable(Admin admin, Collection<String> topics, long deadline)
            throws ExecutionException, InterruptedException {
        Set<String> listed;
        try {
            listed = admin.listTopics().names().get(millisTo(deadline), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return List.of("the topics' list (the brokers did not answer)");
        }
        List<String> waiting = new ArrayList<>();
        List<String> present = new ArrayList<>();
        for (String topic : topics) {
            if (listed.contains(topic)) {
                present.add(topic);
            } else {
                waiting.add(topic + " (not listed)");
            }
        }
        Map<TopicPartition, OffsetSpec> partitions = new LinkedHashMap<>();
        for (var topic : admin.describeTopics(present).topicNameValues().entrySet()) {
            try {
                topic.getValue()
                        .get(millisTo(deadline), TimeUnit.MILLISECONDS)
                        .partitions()
                        .forEach(p ->
                                partitions.put(new TopicPartition(topic.getKey(), p.partition()), OffsetSpec.latest()));
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException)) {
                    throw e;
                }
                waiting.add(topic.getKey() + " (" + e.getCause().getMessage() + ")");
            } catch (TimeoutException e) {
                waiting.add(topic.getKey() + " (not described)");
            }
        }
        if (partitions.isEmpty()) {
            return waiting;
        }
        ListOffsetsResult offsets = admin.listOffsets(partitions);
        for (TopicPartition partition : partitions.keySet()) {
            try {
                offsets.partitionResult(partition).get(millisTo(deadline), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException)) {
                    throw e;
                }
                waiting.add(partition + " (" + e.getCause().getMessage() + ")");
            } catch (TimeoutException e) {
                waiting.add(partition + " (its leader has not answered)");
            }
        }
        return waiting;
    }

    private static long millisTo(long deadline) {
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }

    /**
     * Reports an existing topic that takes smaller records than Sluice writes to it: a record the
     * serializers let through (up to {@code topics.max.record.bytes}) would then be refused by the
     * broker, which under exactly-once stops a Kafka Streams thread (ADR 0013). The topic is left as
     * it is; the warning says what to change.
     */
    private static List<String> undersized(Admin admin, List<Topics.TopicSpec> specs, Set<String> existing)
            throws ExecutionException, InterruptedException, TimeoutException {
        List<String> undersized = new ArrayList<>();
        List<ConfigResource> resources = specs.stream()
                .filter(s -> existing.contains(s.name()) && s.configs().containsKey(MAX_MESSAGE_BYTES))
                .map(s -> new ConfigResource(ConfigResource.Type.TOPIC, s.name()))
                .toList();
        if (resources.isEmpty()) {
            return undersized;
        }
        Map<ConfigResource, Config> configs =
                admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
        for (Topics.TopicSpec spec : specs) {
            Config config = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, spec.name()));
            ConfigEntry entry = config == null ? null : config.get(MAX_MESSAGE_BYTES);
            if (entry == null || entry.value() == null) {
                continue;
            }
            long wanted = Long.parseLong(spec.configs().get(MAX_MESSAGE_BYTES));
            // The record limit plus key, headers and batch framing; the topics Sluice creates have more room.
            long needed = wanted - TopicLayout.HEADROOM_BYTES + MIN_FRAMING_BYTES;
            if (Long.parseLong(entry.value()) < needed) {
                undersized.add(spec.name());
                log.warn(
                        "Topic {} takes records of up to {} bytes, but Sluice may write up to {} (topics.max.record"
                                + ".bytes and framing); raise its max.message.bytes to {} or lower topics.max.record.bytes",
                        spec.name(),
                        entry.value(),
                        needed,
                        wanted);
            }
        }
        return undersized;
    }

    /** The existing topics of {@code specs} that take smaller records than Sluice writes to them (each also logged). */
    public static List<String> undersized(Map<String, Object> adminProps, List<Topics.TopicSpec> specs) {
        try (Admin admin = Admin.create(adminProps)) {
            return undersized(admin, specs, admin.listTopics().names().get(30, TimeUnit.SECONDS));
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Could not read the topics' configurations: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading topic configurations", e);
        }
    }

    private static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    private static final long MIN_FRAMING_BYTES = 16 * 1024;

    private static void checkPartitions(Admin admin, List<Topics.TopicSpec> specs, Set<String> existing)
            throws ExecutionException, InterruptedException, TimeoutException {
        List<String> names = specs.stream()
                .map(Topics.TopicSpec::name)
                .filter(existing::contains)
                .toList();
        if (names.isEmpty()) {
            return;
        }
        Map<String, TopicDescription> described =
                admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
        for (Topics.TopicSpec spec : specs) {
            TopicDescription d = described.get(spec.name());
            if (d != null && d.partitions().size() != spec.partitions()) {
                log.warn(
                        "Topic {} has {} partitions where the catalogue says {}; tenant-keyed topics must agree",
                        spec.name(),
                        d.partitions().size(),
                        spec.partitions());
            }
        }
    }
}
