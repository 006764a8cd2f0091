package dev.sluice.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.sluice.runtime.config.Secret;
import dev.sluice.runtime.kafka.KafkaSettings;
import dev.sluice.runtime.kafka.TopicLayout;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code sluice lag}: how far each of Sluice's consumer groups is behind, per topic: the committed
 * offsets against the end of each partition that a read_committed consumer can reach (the last
 * stable offset). Lag is in offsets, as Kafka counts it: on a topic written in transactions the
 * commit markers between records count too, so 3 jobs waiting may show as 4 or 5; a group that has
 * read everything shows 0, since the services commit past the markers.
 */
@Command(
        name = "lag",
        mixinStandardHelpOptions = true,
        description = "Consumer-group lag per group and topic, for Sluice's groups unless --group names others.")
public final class LagCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(
            names = "--group",
            paramLabel = "G",
            description = "Only this group (repeatable); by default every"
                    + " group of this installation: the router's and the sink's Streams apps, the workers, the webhook"
                    + " dispatcher and its retry levels.")
    List<String> groups = new ArrayList<>();

    @Option(names = "--json", description = "A JSON array instead of the table.")
    boolean json;

    @Mixin
    KafkaTarget target;

    /** One group's position on one topic. */
    record Lag(String group, String state, String topic, int partitions, long lag, long maxPartitionLag) {}

    @Override
    public Integer call() throws Exception {
        try (Admin admin = Admin.create(CliKafka.client(
                target.bootstrap(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                15_000,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                10_000))) {
            Collection<GroupListing> listed;
            try {
                listed = admin.listGroups().all().get(15, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("cannot reach Kafka at " + target.bootstrap() + " ("
                        + (e.getCause() == null ? e : e.getCause()).getClass().getSimpleName() + "); is `./sluice up`"
                        + " running? Set --bootstrap-servers otherwise");
            }
            Map<String, String> states = new TreeMap<>();
            listed.stream()
                    .filter(g -> groups.isEmpty() ? sluiceGroup(g.groupId()) : groups.contains(g.groupId()))
                    .forEach(g -> states.put(
                            g.groupId(), g.groupState().map(Object::toString).orElse("?")));
            List<String> missing =
                    groups.stream().filter(g -> !states.containsKey(g)).toList();
            List<Lag> lags = new ArrayList<>();
            for (Map.Entry<String, String> g : states.entrySet()) {
                lags.addAll(lagOf(admin, g.getKey(), g.getValue()));
            }
            print(lags);
            missing.forEach(g -> System.err.println("sluice: no consumer group " + g + " on " + target.bootstrap()));
            if (states.isEmpty() && groups.isEmpty()) {
                System.err.println("sluice: no consumer group of this installation (topics prefix "
                        + target.topics().prefix() + ") on " + target.bootstrap() + "; are its services running?");
            }
            return missing.isEmpty() ? 0 : 1;
        }
    }

    /**
     * The groups and Streams application ids the services take by default for this topic prefix
     * (KafkaSettings.groupId); ids set by hand in a service's configuration are named with --group.
     */
    private boolean sluiceGroup(String id) {
        KafkaSettings naming = new KafkaSettings(
                target.bootstrap(), "http://unused", Secret.of(null), target.topics(), TopicLayout.DEFAULT, Map.of());
        String webhooks = naming.groupId("sluice-webhooks");
        return List.of(
                                naming.groupId("sluice-router"),
                                naming.groupId("sluice-sink"),
                                naming.groupId("sluice-workers"),
                                webhooks)
                        .contains(id)
                || id.startsWith(webhooks + "-retry-")
                        && id.substring(webhooks.length() + 7).matches("\\d+");
    }

    private static List<Lag> lagOf(Admin admin, String group, String state) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get(15, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = latest.isEmpty()
                ? Map.of()
                : admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                        .all()
                        .get(15, TimeUnit.SECONDS);
        Map<String, long[]> byTopic = new TreeMap<>();
        committed.forEach((tp, offset) -> {
            long[] t = byTopic.computeIfAbsent(tp.topic(), k -> new long[3]);
            long lag = offset == null || ends.get(tp) == null
                    ? 0
                    : Math.max(0, ends.get(tp).offset() - offset.offset());
            t[0]++;
            t[1] += lag;
            t[2] = Math.max(t[2], lag);
        });
        List<Lag> out = new ArrayList<>();
        byTopic.forEach((topic, t) -> out.add(new Lag(group, state, topic, (int) t[0], t[1], t[2])));
        if (out.isEmpty()) {
            out.add(new Lag(group, state, "(no offsets committed)", 0, 0, 0));
        }
        return out;
    }

    private void print(List<Lag> lags) {
        if (json) {
            ArrayNode out = JSON.createArrayNode();
            lags.forEach(l -> out.addObject()
                    .put("group", l.group())
                    .put("state", l.state())
                    .put("topic", l.topic())
                    .put("partitions", l.partitions())
                    .put("lag", l.lag())
                    .put("maxPartitionLag", l.maxPartitionLag()));
            System.out.println(out.toPrettyString());
            return;
        }
        String format = "%-40s %-12s %-50s %10s %12s %14s%n";
        System.out.printf(Locale.ROOT, format, "GROUP", "STATE", "TOPIC", "PARTITIONS", "LAG", "MAX PARTITION");
        for (Lag l : lags) {
            System.out.printf(
                    Locale.ROOT,
                    format,
                    l.group(),
                    l.state(),
                    l.topic(),
                    l.partitions(),
                    String.format(Locale.ROOT, "%,d", l.lag()),
                    String.format(Locale.ROOT, "%,d", l.maxPartitionLag()));
        }
        long total = lags.stream().mapToLong(Lag::lag).sum();
        System.out.printf(
                Locale.ROOT,
                "%,d offsets behind in all, over %d group%s%n",
                total,
                lags.stream().map(Lag::group).distinct().count(),
                lags.stream().map(Lag::group).distinct().count() == 1 ? "" : "s");
    }
}
