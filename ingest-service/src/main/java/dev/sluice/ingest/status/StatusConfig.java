package dev.sluice.ingest.status;

import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.KafkaSettings;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Settings of the job-status table and its HTTP routes (ingest-service README, "Job status").
 *
 * @param applicationId the table's Kafka Streams application id: no consumer group is joined, it
 *     names the clients and the folder under {@code stateDir}
 * @param stateDir where the table's RocksDB store lives; one per instance on a host
 * @param firstStatusWait how long a status stream waits for an unknown job's first status before 404
 * @param heartbeat the gap after which an idle status stream gets a comment line
 * @param maxStreams status streams open at once (waiting ones included); more answer 503
 * @param maxStreamsPerTenant status streams one tenant may hold open at once, so that one tenant
 *     cannot take them all
 */
public record StatusConfig(
        String applicationId,
        Path stateDir,
        Duration firstStatusWait,
        Duration heartbeat,
        int maxStreams,
        int maxStreamsPerTenant) {

    /** Jetty closes a connection idle for 30 s by default, and proxies often sooner: stay under that. */
    static final Duration MAX_SILENCE = Duration.ofSeconds(25);

    /** Reads the keys; {@code kafka} (read once by the service) gives the installation's default application id. */
    public static StatusConfig read(Settings s, KafkaSettings kafka) {
        return new StatusConfig(
                s.string("ingest.status.application.id", kafka.groupId("sluice-ingest-status")),
                s.path("ingest.state.dir", Path.of("state", "ingest")),
                s.duration("ingest.status.wait", Duration.ofSeconds(10), Duration.ZERO, MAX_SILENCE),
                s.duration("ingest.status.heartbeat", Duration.ofSeconds(15), Duration.ofMillis(50), MAX_SILENCE),
                s.intValue("ingest.status.max.streams", 10_000, 1, 1_000_000),
                s.intValue("ingest.status.max.streams.per.tenant", 1_000, 1, 1_000_000));
    }
}
