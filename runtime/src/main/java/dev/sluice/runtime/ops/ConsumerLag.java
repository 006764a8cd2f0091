package dev.sluice.runtime.ops;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code sluice_consumer_lag_records{group, topic}}: for each consumer group of this instance, the
 * records between each partition's committed offset and its last stable offset, summed per topic,
 * over the partitions this instance owns. Each partition has one owner, so each partition's lag is
 * in exactly one instance's series, and {@code sum by (group, topic)} over instances is the group's
 * lag. Committed offsets, not the clients' own records-lag, which stands still while a partition is
 * paused (as the worker pauses its job topics under backlog, when lag matters most) and carries no
 * group (ADR 0016).
 */
public final class ConsumerLag implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConsumerLag.class);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

    private record Group(String id, Supplier<? extends Collection<TopicPartition>> owned) {}

    private final Map<String, Object> adminProps;
    private final MultiGauge gauge;
    private final List<Group> groups = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService refresher;
    private final Duration every;
    private Admin admin;

    /**
     * @param adminProps the service's client settings (bootstrap servers, security) for an admin client
     * @param every how often the offsets are read; the gauge is that old at most
     */
    public ConsumerLag(Map<String, Object> adminProps, MeterRegistry registry, Duration every) {
        this.adminProps = new HashMap<>(adminProps);
        this.every = every;
        this.gauge = MultiGauge.builder("sluice_consumer_lag_records")
                .description("Records after the group's committed offset up to the last stable offset, summed over"
                        + " the topic's partitions this instance owns")
                .register(registry);
        this.refresher = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().daemon().name("consumer-lag").unstarted(r));
    }

    /** Follows a group; {@code owned} says which partitions this instance holds right now. */
    public ConsumerLag track(String group, Supplier<? extends Collection<TopicPartition>> owned) {
        groups.add(new Group(group, owned));
        return this;
    }

    public ConsumerLag start() {
        // A first look soon after start, so the series are there once the service holds partitions.
        refresher.scheduleWithFixedDelay(
                this::refreshQuietly, Math.min(every.toMillis(), 2_000), every.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // The broker is away for a moment, say: the last values stay until the next round.
            log.debug("Consumer lag not read this round: {}", e.toString());
        }
    }

    /** Reads every group's offsets once and replaces the gauge's rows (groups and topics no longer owned go). */
    void refresh() throws Exception {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (Group g : groups) {
            Set<TopicPartition> owned = Set.copyOf(g.owned().get());
            if (owned.isEmpty()) {
                continue;
            }
            lagByTopic(g.id(), owned)
                    .forEach(
                            (topic, lag) -> rows.add(MultiGauge.Row.of(Tags.of("group", g.id(), "topic", topic), lag)));
        }
        gauge.register(rows, true);
    }

    private Map<String, Long> lagByTopic(String group, Set<TopicPartition> owned) throws Exception {
        Admin a = admin();
        Map<TopicPartition, OffsetAndMetadata> committed = a.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        Map<TopicPartition, Long> ends = offsets(a, owned, OffsetSpec.latest());
        Set<TopicPartition> neverCommitted =
                owned.stream().filter(tp -> committed.get(tp) == null).collect(Collectors.toSet());
        // A group that has committed nothing starts at the earliest offset (auto.offset.reset).
        Map<TopicPartition, Long> starts =
                neverCommitted.isEmpty() ? Map.of() : offsets(a, neverCommitted, OffsetSpec.earliest());
        Map<String, Long> lag = new HashMap<>();
        for (TopicPartition tp : owned) {
            Long end = ends.get(tp);
            if (end == null) {
                continue;
            }
            OffsetAndMetadata c = committed.get(tp);
            long from = c != null ? c.offset() : starts.getOrDefault(tp, end);
            lag.merge(tp.topic(), Math.max(0, end - from), Long::sum);
        }
        return lag;
    }

    /** Read-committed offsets: records of open or aborted transactions are not lag anyone can work off. */
    private static Map<TopicPartition, Long> offsets(Admin admin, Set<TopicPartition> partitions, OffsetSpec spec)
            throws Exception {
        Map<TopicPartition, OffsetSpec> request = partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> spec));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> info = admin.listOffsets(
                        request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                .all()
                .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        Map<TopicPartition, Long> out = new HashMap<>();
        info.forEach((tp, i) -> out.put(tp, i.offset()));
        return out;
    }

    private Admin admin() {
        if (admin == null) {
            Map<String, Object> props = new HashMap<>(adminProps);
            props.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "sluice-consumer-lag");
            admin = Admin.create(props);
        }
        return admin;
    }

    @Override
    public void close() {
        refresher.shutdownNow();
        try {
            refresher.awaitTermination(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
    }
}
