package dev.sluice.cli.tenants;

import dev.sluice.cli.CompactedTopic;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;

/** A compacted topic of one record type as the CLI sees it: read whole, written one key at a time. */
public final class RecordTopic<T> {
    private final CompactedTopic topic;
    private final String name;
    private final Serde<T> serde;

    public RecordTopic(String bootstrap, String topic, Serde<T> serde) {
        this.topic = new CompactedTopic(bootstrap, topic);
        this.name = topic;
        this.serde = serde;
    }

    /** Fails with a sentence a user can act on when Kafka or the topic is not there. */
    public void check() {
        topic.check();
    }

    public void put(String key, T value) throws Exception {
        topic.write(key, serde.serializer().serialize(name, value));
    }

    void delete(String key) throws Exception {
        topic.write(key, null);
    }

    /** Every record, by key: the latest record of each key, tombstones removing it. */
    public Map<String, T> readAll() {
        return topic.readAll(serde.deserializer()::deserialize);
    }
}
