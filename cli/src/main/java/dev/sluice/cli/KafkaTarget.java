package dev.sluice.cli;

import dev.sluice.runtime.kafka.Topics;
import picocli.CommandLine.Option;

/** Where the CLI finds Kafka, the registry and the topics: `sluice up`'s endpoints unless told otherwise. */
public final class KafkaTarget {
    @Option(
            names = "--bootstrap-servers",
            description = "Kafka (default: $SLUICE_KAFKA_BOOTSTRAP_SERVERS,"
                    + " else 127.0.0.1:19092, as `sluice up` prints).")
    String bootstrap;

    @Option(
            names = "--registry-url",
            description = "Schema registry (default: $SLUICE_SCHEMA_REGISTRY_URL," + " else http://127.0.0.1:18081).")
    String registry;

    @Option(names = "--topics-prefix", defaultValue = "llm.", description = "Topic prefix (default ${DEFAULT-VALUE}).")
    String prefix;

    private boolean probed;

    /** The bootstrap servers; the first call checks that one of them answers ({@link BrokerProbe}). */
    public String bootstrap() {
        String servers = bootstrap != null ? bootstrap : env("SLUICE_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092");
        if (!probed) {
            BrokerProbe.check(servers);
            probed = true;
        }
        return servers;
    }

    public String registryUrl() {
        return registry != null ? registry : env("SLUICE_SCHEMA_REGISTRY_URL", "http://127.0.0.1:18081");
    }

    public Topics topics() {
        return new Topics(prefix);
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
