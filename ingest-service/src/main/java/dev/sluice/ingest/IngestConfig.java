package dev.sluice.ingest;

import dev.sluice.ingest.status.StatusConfig;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.KafkaSettings;
import dev.sluice.runtime.ops.OpsSettings;
import dev.sluice.runtime.requests.RequestLimits;
import dev.sluice.runtime.tracing.TracingSettings;
import java.time.Duration;

/** ingest-service's configuration; see the module README for every key and its default. */
public record IngestConfig(
        KafkaSettings kafka,
        String host,
        int port,
        int maxBodyBytes,
        int maxBatchBodyBytes,
        int maxBatchJobs,
        int batchProducers,
        Duration produceTimeout,
        Duration bodyTimeout,
        int tenantRequestsPerMinute,
        int tenantBurstSeconds,
        Duration idempotencyWindow,
        int idempotencyMaxKeys,
        RequestLimits requestLimits,
        boolean createTopics,
        StatusConfig status,
        OpsSettings ops,
        TracingSettings tracing) {

    /** The most jobs one batch may hold: the setting's default and its ceiling. */
    public static final int MAX_BATCH_JOBS = 1000;
    /** /health, /ready and /metrics, apart from the public API port. */
    public static final int DEFAULT_OPS_PORT = 9404;

    public static IngestConfig read(Settings s) {
        KafkaSettings kafka = KafkaSettings.read(s);
        return new IngestConfig(
                kafka,
                s.string("ingest.host", "0.0.0.0"),
                s.intValue("ingest.port", 8088, 0, 65_535),
                (int) s.bytes("ingest.max.body.bytes", 1024 * 1024, 1024, 64 * 1024 * 1024),
                (int) s.bytes("ingest.batch.max.body.bytes", 16 * 1024 * 1024, 1024, 256 * 1024 * 1024),
                s.intValue("ingest.batch.max.jobs", MAX_BATCH_JOBS, 1, MAX_BATCH_JOBS),
                s.intValue("ingest.batch.producers", 4, 1, 32),
                s.duration(
                        "ingest.produce.timeout",
                        Duration.ofSeconds(10),
                        Duration.ofMillis(100),
                        Duration.ofMinutes(5)),
                s.duration(
                        "ingest.body.timeout", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofMinutes(10)),
                s.intValue("ingest.tenant.requests.per.minute", 6000, 1, TenantRateLimits.MAX_PER_MINUTE),
                s.intValue("ingest.tenant.burst.seconds", 10, 1, 3600),
                s.duration(
                        "ingest.idempotency.window", Duration.ofHours(24), Duration.ofMinutes(1), Duration.ofDays(30)),
                s.intValue("ingest.idempotency.max.keys", 100_000, 1, 10_000_000),
                RequestLimits.read(s),
                s.bool("topics.create", true),
                StatusConfig.read(s, kafka),
                OpsSettings.read(s, DEFAULT_OPS_PORT),
                TracingSettings.read(s));
    }
}
