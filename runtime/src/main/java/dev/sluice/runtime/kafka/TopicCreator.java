package dev.sluice.runtime.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the topics of the catalogue that do not exist yet. Existing topics are left alone; one
 * whose partition count differs from the catalogue is reported, because co-partitioning of the
 * tenant-keyed topics depends on it.
 */
public final class TopicCreator {
    private static final Logger log = LoggerFactory.getLogger(TopicCreator.class);

    private TopicCreator() {
    }

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
                    missing.add(new NewTopic(spec.name(), spec.partitions(), spec.replication()).configs(spec.configs()));
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
            awaitLeaders(admin, created);
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
     * Waits until every partition of the new topics has a leader in the metadata the brokers
     * serve. Producing to a topic the moment it is created meets NOT_LEADER_OR_FOLLOWER, and an
     * idempotent producer that retried such a first batch was seen stuck on
     * OUT_OF_ORDER_SEQUENCE_NUMBER for good.
     */
    private static void awaitLeaders(Admin admin, List<String> topics)
            throws ExecutionException, InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!topics.isEmpty()) {
            try {
                Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames()
                        .get(30, TimeUnit.SECONDS);
                if (described.values().stream().allMatch(d -> d.partitions().stream()
                        .allMatch(p -> p.leader() != null && !p.leader().isEmpty()))) {
                    return;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException)) {
                    throw e;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("partitions of " + topics + " have no leader after 30 s");
            }
            Thread.sleep(20);
        }
    }

    private static void checkPartitions(Admin admin, List<Topics.TopicSpec> specs, Set<String> existing)
            throws ExecutionException, InterruptedException, TimeoutException {
        List<String> names = specs.stream().map(Topics.TopicSpec::name).filter(existing::contains).toList();
        if (names.isEmpty()) {
            return;
        }
        Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
        for (Topics.TopicSpec spec : specs) {
            TopicDescription d = described.get(spec.name());
            if (d != null && d.partitions().size() != spec.partitions()) {
                log.warn("Topic {} has {} partitions where the catalogue says {}; tenant-keyed topics must agree",
                        spec.name(), d.partitions().size(), spec.partitions());
            }
        }
    }
}
