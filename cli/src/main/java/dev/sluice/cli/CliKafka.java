package dev.sluice.cli;

import dev.sluice.runtime.config.ConfigSource;
import java.util.HashMap;
import java.util.Map;

/**
 * The settings every Kafka client of the operator commands starts from: the bootstrap servers,
 * then each {@code SLUICE_KAFKA_CLIENT_*} variable, read as the services read them
 * ({@code SLUICE_KAFKA_CLIENT_SECURITY_PROTOCOL} is {@code security.protocol}). That is how the
 * CLI signs in to a secured cluster, as the chart's operator KafkaUser, say.
 */
public final class CliKafka {
    private CliKafka() {}

    /** The bootstrap servers, this process's client variables, then {@code more} (key, value, ...). */
    public static Map<String, Object> client(String bootstrap, Object... more) {
        return client(System.getenv(), bootstrap, more);
    }

    static Map<String, Object> client(Map<String, String> environment, String bootstrap, Object... more) {
        Map<String, Object> settings =
                new HashMap<>(ConfigSource.load(null, environment).withPrefix("kafka.client."));
        settings.put("bootstrap.servers", bootstrap);
        for (int i = 0; i + 1 < more.length; i += 2) {
            settings.put((String) more[i], more[i + 1]);
        }
        return settings;
    }
}
