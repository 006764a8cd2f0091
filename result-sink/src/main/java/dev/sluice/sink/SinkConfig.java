package dev.sluice.sink;

import dev.sluice.sink.webhook.EndpointGuard;
import dev.sluice.sink.webhook.RetrySchedule;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.KafkaSettings;
import dev.sluice.runtime.ops.OpsSettings;
import dev.sluice.runtime.tracing.TracingSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** result-sink's configuration; see the module README for every key and its default. */
public record SinkConfig(
        KafkaSettings kafka,
        String applicationId,
        Path stateDir,
        int streamThreads,
        Duration dedupeWindow,
        Duration statusRetention,
        Webhooks webhooks,
        boolean createTopics,
        OpsSettings ops,
        TracingSettings tracing) {

    public static final int DEFAULT_OPS_PORT = 9403;

    /**
     * The webhook dispatcher's settings.
     *
     * @param maxInFlight first tries at once
     * @param retryMaxInFlight deliveries each retry level holds at once, waiting or trying
     * @param allowedHosts hosts, addresses and CIDR networks deliveries may go to although not public
     */
    public record Webhooks(boolean enabled, String groupId, int maxInFlight, int retryMaxInFlight, Duration timeout,
            RetrySchedule retries, List<String> allowedHosts) {
    }

    /** {@code webhooks.backoff}: one retry topic per step, so no more steps than topics. */
    private static RetrySchedule retries(Settings s, KafkaSettings kafka) {
        List<Duration> delays = s.durations("webhooks.backoff", RetrySchedule.DEFAULT_DELAYS, Duration.ZERO,
                Duration.ofDays(1));
        int levels = kafka.layout().webhookRetryLevels();
        if (delays.size() > levels) {
            s.problem("webhooks.backoff has " + delays.size() + " steps but there are " + levels
                    + " retry topics; raise topics.webhook.retry.levels or shorten the schedule");
        }
        return new RetrySchedule(delays, s.duration("webhooks.max.retry.after", Duration.ofHours(1), Duration.ZERO,
                Duration.ofDays(1)));
    }

    /** {@code webhooks.allowed.hosts}, each entry checked now so a typo is reported at start. */
    private static List<String> allowedHosts(Settings s) {
        List<String> hosts = s.list("webhooks.allowed.hosts", List.of());
        try {
            new EndpointGuard(hosts, EndpointGuard.DNS);
        } catch (IllegalArgumentException e) {
            s.problem("webhooks.allowed.hosts: " + e.getMessage() + " (use host names, IP addresses or CIDR networks"
                    + " such as 10.0.0.0/8)");
        }
        return List.copyOf(hosts);
    }

    public static SinkConfig read(Settings s) {
        KafkaSettings kafka = KafkaSettings.read(s, DEFAULT_OPS_PORT);
        return new SinkConfig(kafka,
                s.string("sink.application.id", kafka.groupId("sluice-sink")),
                s.path("sink.state.dir", Path.of("state", "sink")),
                s.intValue("sink.stream.threads", 1, 1, 64),
                s.duration("sink.dedupe.window", Duration.ofDays(7), Duration.ofMinutes(1), Duration.ofDays(90)),
                s.duration("sink.status.retention", Duration.ofDays(2), Duration.ofMinutes(1), Duration.ofDays(90)),
                new Webhooks(
                        s.bool("webhooks.enabled", true),
                        s.string("webhooks.group.id", kafka.groupId("sluice-webhooks")),
                        s.intValue("webhooks.max.in.flight", 256, 1, 100_000),
                        s.intValue("webhooks.retry.max.in.flight", 1024, 1, 100_000),
                        s.duration("webhooks.timeout", Duration.ofSeconds(15), Duration.ofMillis(100), Duration.ofMinutes(2)),
                        retries(s, kafka),
                        allowedHosts(s)),
                s.bool("topics.create", true),
                OpsSettings.read(s, DEFAULT_OPS_PORT),
                TracingSettings.read(s));
    }
}
