package dev.sluice.sink;

import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.KafkaSettings;
import dev.sluice.runtime.ops.OpsSettings;
import dev.sluice.runtime.tracing.TracingSettings;
import dev.sluice.sink.webhook.EndpointGuard;
import dev.sluice.sink.webhook.RetrySchedule;
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
        StuckAfter stuckAfter,
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
    public record Webhooks(
            boolean enabled,
            String groupId,
            int maxInFlight,
            int retryMaxInFlight,
            Duration timeout,
            RetrySchedule retries,
            List<String> allowedHosts) {}

    /**
     * When a job counts as stuck: its last status is not terminal and nothing followed it for
     * {@code active} (ACCEPTED, QUEUED, RUNNING) or {@code batch} (BATCH_SUBMITTED: a provider
     * batch may take its whole 24-hour window).
     */
    public record StuckAfter(Duration active, Duration batch) {
        public static final StuckAfter DEFAULTS = new StuckAfter(Duration.ofMinutes(30), Duration.ofHours(25));

        public Duration of(dev.sluice.model.JobState state) {
            return state == dev.sluice.model.JobState.BATCH_SUBMITTED ? batch : active;
        }

        /** Each a stuck job must be seen within: a purge of the status store at least this often. */
        public Duration checkEvery() {
            Duration half = active.dividedBy(2);
            return half.compareTo(Duration.ofMinutes(1)) < 0 ? half : Duration.ofMinutes(1);
        }
    }

    /** {@code sink.stuck.after} and {@code .batch}: each shorter than the status retention, which ends the watch. */
    private static StuckAfter stuckAfter(Settings s, Duration retention) {
        StuckAfter stuck = new StuckAfter(
                s.duration(
                        "sink.stuck.after", StuckAfter.DEFAULTS.active(), Duration.ofSeconds(1), Duration.ofDays(30)),
                s.duration(
                        "sink.batch.stuck.after",
                        StuckAfter.DEFAULTS.batch(),
                        Duration.ofSeconds(1),
                        Duration.ofDays(30)));
        for (Duration d : List.of(stuck.active(), stuck.batch())) {
            if (d.compareTo(retention) >= 0) {
                s.problem("sink.stuck.after (" + stuck.active() + ") and sink.batch.stuck.after (" + stuck.batch()
                        + ") must each be shorter than sink.status.retention (" + retention + "), which keeps a"
                        + " job's state while it is watched");
                break;
            }
        }
        return stuck;
    }

    /** {@code webhooks.backoff}: one retry topic per step, so no more steps than topics. */
    private static RetrySchedule retries(Settings s, KafkaSettings kafka) {
        List<Duration> delays =
                s.durations("webhooks.backoff", RetrySchedule.DEFAULT_DELAYS, Duration.ZERO, Duration.ofDays(1));
        int levels = kafka.layout().webhookRetryLevels();
        if (delays.size() > levels) {
            s.problem("webhooks.backoff has " + delays.size() + " steps but there are " + levels
                    + " retry topics; raise topics.webhook.retry.levels or shorten the schedule");
        }
        return new RetrySchedule(
                delays, s.duration("webhooks.max.retry.after", Duration.ofHours(1), Duration.ZERO, Duration.ofDays(1)));
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
        Duration retention =
                s.duration("sink.status.retention", Duration.ofDays(2), Duration.ofMinutes(1), Duration.ofDays(90));
        return new SinkConfig(
                kafka,
                s.string("sink.application.id", kafka.groupId("sluice-sink")),
                s.path("sink.state.dir", Path.of("state", "sink")),
                s.intValue("sink.stream.threads", 1, 1, 64),
                s.duration("sink.dedupe.window", Duration.ofDays(7), Duration.ofMinutes(1), Duration.ofDays(90)),
                retention,
                stuckAfter(s, retention),
                new Webhooks(
                        s.bool("webhooks.enabled", true),
                        s.string("webhooks.group.id", kafka.groupId("sluice-webhooks")),
                        s.intValue("webhooks.max.in.flight", 256, 1, 100_000),
                        s.intValue("webhooks.retry.max.in.flight", 1024, 1, 100_000),
                        s.duration(
                                "webhooks.timeout",
                                Duration.ofSeconds(15),
                                Duration.ofMillis(100),
                                Duration.ofMinutes(2)),
                        retries(s, kafka),
                        allowedHosts(s)),
                s.bool("topics.create", true),
                OpsSettings.read(s, DEFAULT_OPS_PORT),
                TracingSettings.read(s));
    }
}
