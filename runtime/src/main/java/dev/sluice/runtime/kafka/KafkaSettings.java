package dev.sluice.runtime.kafka;

import dev.sluice.runtime.config.Secret;
import dev.sluice.schemas.serde.SerdeConfig;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.runtime.config.Settings;
import java.util.HashMap;
import java.util.Map;

/**
 * Where a service finds Kafka and the schema registry. {@code clientOverrides} are passed to every
 * Kafka client unchanged (keys under {@code kafka.client.}, e.g. {@code kafka.client.security.protocol}),
 * so security settings for a real cluster are configuration only.
 */
public record KafkaSettings(
        String bootstrapServers,
        String schemaRegistryUrl,
        Secret schemaRegistryUserInfo,
        Topics topics,
        TopicLayout layout,
        Map<String, String> clientOverrides) {

    public KafkaSettings {
        clientOverrides = Map.copyOf(clientOverrides);
    }

    public static KafkaSettings read(Settings s) {
        String bootstrap = s.required("kafka.bootstrap.servers");
        String registry = s.url("schema.registry.url", null);
        if (registry == null) {
            s.problem("schema.registry.url is required (environment variable SLUICE_SCHEMA_REGISTRY_URL)");
        }
        Secret userInfo = s.secret("schema.registry.basic.auth.user.info");
        Topics topics = new Topics(s.string("topics.prefix", Topics.DEFAULT_PREFIX));
        TopicLayout layout = new TopicLayout(
                s.intValue("topics.tenant.partitions", TopicLayout.DEFAULT.tenantPartitions(), 1, 10_000),
                s.intValue("topics.job.partitions", TopicLayout.DEFAULT.jobPartitions(), 1, 10_000),
                (short) s.intValue("topics.replication.factor", TopicLayout.DEFAULT.replicationFactor(), 1, 32),
                s.intValue("topics.webhook.retry.levels", TopicLayout.DEFAULT.webhookRetryLevels(), 1, 20),
                (int) s.bytes("topics.max.record.bytes", TopicLayout.DEFAULT_MAX_RECORD_BYTES, 64 * 1024,
                        Topics.BATCH_RECORD_BYTES - TopicLayout.HEADROOM_BYTES));
        return new KafkaSettings(bootstrap, registry, userInfo, topics, layout,
                s.source().withPrefix("kafka.client."));
    }

    /**
     * A consumer group or Streams application id for this installation: {@code base} itself with
     * the default topic prefix, else suffixed with the prefix, so that installations (and tests)
     * sharing a cluster under different prefixes never share a group.
     */
    public String groupId(String base) {
        if (topics.prefix().equals(Topics.DEFAULT_PREFIX)) {
            return base;
        }
        String suffix = topics.prefix().replaceAll("[^A-Za-z0-9_-]", "-").replaceAll("-+$", "");
        return suffix.isEmpty() ? base : base + "-" + suffix;
    }

    /**
     * Serdes of every Sluice record over this installation's schema registry, refusing values over
     * {@code topics.max.record.bytes} before they reach a producer.
     */
    public SluiceSerdes serdes() {
        return new SluiceSerdes(SerdeConfig.registry(schemaRegistryUrl,
                schemaRegistryUserInfo.isEmpty() ? null : schemaRegistryUserInfo.reveal()))
                .limitedTo(layout.maxRecordBytes());
    }

    /** The registry settings in the form the serdes' configure() reads. */
    public Map<String, Object> registryProps() {
        Map<String, Object> props = new HashMap<>();
        props.put(SerdeConfig.SCHEMA_REGISTRY_URL, schemaRegistryUrl);
        if (!schemaRegistryUserInfo.isEmpty()) {
            props.put(SerdeConfig.BASIC_AUTH_USER_INFO, schemaRegistryUserInfo.reveal());
        }
        return props;
    }

    /** Settings every client gets: the bootstrap servers and the pass-through overrides. */
    public Map<String, Object> common() {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", bootstrapServers);
        props.putAll(clientOverrides);
        return props;
    }
}
