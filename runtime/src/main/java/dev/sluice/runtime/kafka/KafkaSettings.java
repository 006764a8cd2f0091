package dev.sluice.runtime.kafka;

import dev.sluice.runtime.config.Secret;
import dev.sluice.runtime.config.Settings;
import dev.sluice.schemas.serde.SerdeConfig;
import dev.sluice.schemas.serde.SluiceSerdes;
import java.util.HashMap;
import java.util.Map;

/**
 * Where a service finds Kafka and the schema registry. {@code clientOverrides} are passed to every
 * Kafka client unchanged (keys under {@code kafka.client.}, e.g. {@code kafka.client.security.protocol}),
 * so security settings for a real cluster are configuration only.
 *
 * @param groupInstanceId this instance's name as a static group member (ADR 0014), or null for dynamic
 *     membership
 * @param stateMemoryBytes the off-heap budget of every RocksDB store of this JVM's Streams apps
 *     ({@code streams.state.memory}, see {@code BoundedRocksDb})
 */
public record KafkaSettings(
        String bootstrapServers,
        String schemaRegistryUrl,
        Secret schemaRegistryUserInfo,
        Topics topics,
        TopicLayout layout,
        Map<String, String> clientOverrides,
        String groupInstanceId,
        long stateMemoryBytes) {

    /** {@code kafka.group.instance.id} turns static membership off. */
    public static final String DYNAMIC = "none";

    private static final java.util.regex.Pattern INSTANCE_ID = java.util.regex.Pattern.compile("[A-Za-z0-9._-]{1,200}");

    public KafkaSettings {
        clientOverrides = Map.copyOf(clientOverrides);
    }

    /** Dynamic group membership. */
    public KafkaSettings(
            String bootstrapServers,
            String schemaRegistryUrl,
            Secret schemaRegistryUserInfo,
            Topics topics,
            TopicLayout layout,
            Map<String, String> clientOverrides) {
        this(
                bootstrapServers,
                schemaRegistryUrl,
                schemaRegistryUserInfo,
                topics,
                layout,
                clientOverrides,
                null,
                dev.sluice.runtime.streams.BoundedRocksDb.DEFAULT_MEMORY_BYTES);
    }

    /**
     * For a service whose consumers join groups: they are static members named by
     * {@code kafka.group.instance.id}, by default this host's name and the service's ops port, so that
     * an instance restarted after a crash takes its partitions back at once instead of after the dead
     * member's session timeout (ADR 0014). A fixed ops port is what tells two instances on one host
     * apart (the second could not bind it); with port 0 there is no stable name, and membership stays
     * dynamic.
     */
    public static KafkaSettings read(Settings s, int defaultOpsPort) {
        int opsPort = dev.sluice.runtime.ops.OpsSettings.read(s, defaultOpsPort).port();
        return read(s, opsPort == 0 ? DYNAMIC : hostName() + "-" + opsPort);
    }

    /** For tools and services without group members: static membership only if configured. */
    public static KafkaSettings read(Settings s) {
        return read(s, DYNAMIC);
    }

    private static KafkaSettings read(Settings s, String defaultInstanceId) {
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
                (int) s.bytes(
                        "topics.max.record.bytes",
                        TopicLayout.DEFAULT_MAX_RECORD_BYTES,
                        64 * 1024,
                        Topics.BATCH_RECORD_BYTES - TopicLayout.HEADROOM_BYTES));
        String instanceId = s.string("kafka.group.instance.id", defaultInstanceId);
        if (!instanceId.equals(DYNAMIC) && !INSTANCE_ID.matcher(instanceId).matches()) {
            s.problem("kafka.group.instance.id = " + instanceId + ": use 1 to 200 letters, digits, '.', '_' or '-'"
                    + " (or " + DYNAMIC + " for dynamic group membership)");
        }
        return new KafkaSettings(
                bootstrap,
                registry,
                userInfo,
                topics,
                layout,
                s.passThrough("kafka.client."),
                instanceId.equals(DYNAMIC) ? null : instanceId,
                stateMemory(s));
    }

    /** {@code streams.state.memory}: at least 16 MB, or 0 for Kafka Streams' own RocksDB settings. */
    private static long stateMemory(Settings s) {
        long bytes = s.bytes(
                "streams.state.memory", dev.sluice.runtime.streams.BoundedRocksDb.DEFAULT_MEMORY_BYTES, 0, 1L << 40);
        if (bytes > 0 && bytes < 16L << 20) {
            s.problem("streams.state.memory = " + bytes + " bytes: use at least 16MB, or 0 for Kafka Streams' own"
                    + " RocksDB settings (a cache and memtables per store)");
        }
        return bytes;
    }

    /** HOSTNAME (a Kubernetes pod's name), else the machine's name, in the characters an instance id may use. */
    private static String hostName() {
        String name = System.getenv("HOSTNAME");
        if (name == null || name.isBlank()) {
            try {
                name = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                name = "localhost";
            }
        }
        String clean = name.replaceAll("[^A-Za-z0-9._-]", "-");
        return clean.length() > 180 ? clean.substring(0, 180) : clean;
    }

    /**
     * The {@code group.instance.id} of one consumer of this instance: every consumer of a group needs
     * its own, so each is named by its role ({@code jobs}, {@code batch}, {@code webhooks}); empty for
     * dynamic membership.
     */
    public java.util.Optional<String> groupInstanceId(String member) {
        return groupInstanceId == null
                ? java.util.Optional.empty()
                : java.util.Optional.of(member == null ? groupInstanceId : groupInstanceId + "-" + member);
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
        return new SluiceSerdes(SerdeConfig.registry(
                        schemaRegistryUrl, schemaRegistryUserInfo.isEmpty() ? null : schemaRegistryUserInfo.reveal()))
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
