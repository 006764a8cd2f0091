package dev.sluice.cli.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * Records written to every topic of a broker, internal ones included: the sum of each topic's
 * partitions' end offsets. A transaction marker takes an offset too, so it is counted as the record
 * it is on the broker's disk.
 */
final class TopicTally {
    private TopicTally() {}

    static Map<String, Long> endOffsets(Admin admin) throws Exception {
        var names = admin.listTopics(new ListTopicsOptions().listInternal(true))
                .names()
                .get();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        admin.describeTopics(names)
                .allTopicNames()
                .get()
                .forEach((topic, d) -> d.partitions()
                        .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest())));
        Map<String, Long> sums = new TreeMap<>();
        admin.listOffsets(latest).all().get().forEach((tp, info) -> sums.merge(tp.topic(), info.offset(), Long::sum));
        return sums;
    }

    /** What each topic gained from {@code before} to {@code after}; topics that gained nothing are left out. */
    static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> d = new TreeMap<>();
        after.forEach((topic, n) -> {
            long gained = n - before.getOrDefault(topic, 0L);
            if (gained > 0) {
                d.put(topic, gained);
            }
        });
        return d;
    }
}
