package dev.sluice.worker;

import dev.sluice.model.Tier;
import dev.sluice.runtime.config.Secret;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.KafkaSettings;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.runtime.ops.OpsSettings;
import dev.sluice.runtime.tracing.TracingSettings;
import dev.sluice.worker.batch.BatchSettings;
import dev.sluice.worker.provider.HttpSettings;
import dev.sluice.worker.resilience.ProviderCalls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** worker-pool's configuration; see the module README for every key and its default. */
public record WorkerConfig(
        KafkaSettings kafka,
        String groupId,
        List<Tier> tiers,
        boolean batchViaSync,
        String batchGroupId,
        BatchSettings batch,
        int maxInFlight,
        long bufferBytes,
        Duration commitInterval,
        Duration shutdownTimeout,
        Duration runningEventAfter,
        List<ProviderEndpoint> providers,
        ProviderCalls.Settings resilience,
        Duration redeliveryWindow,
        Duration rateLimitMaxWait,
        Path modelCatalogue,
        boolean createTopics,
        OpsSettings ops,
        TracingSettings tracing) {

    public static final int DEFAULT_OPS_PORT = 9402;

    /** How to reach one provider. {@code protocol} is the wire protocol its adapter speaks. */
    public record ProviderEndpoint(String name, String protocol, String baseUrl, Secret apiKey, HttpSettings http) {}

    public static WorkerConfig read(Settings s) {
        WorkerConfig config = readValues(s);
        BatchSettings b = config.batch();
        if (b.maxLines() > b.maxPending()) {
            s.problem("worker.batch.max.lines (" + b.maxLines() + ") is more than worker.batch.max.pending ("
                    + b.maxPending() + "): no batch could ever fill; raise max.pending or lower max.lines");
        }
        if (b.pollInterval().compareTo(b.maxPollInterval()) > 0) {
            s.problem("worker.batch.poll.interval (" + b.pollInterval() + ") is longer than"
                    + " worker.batch.poll.max.interval (" + b.maxPollInterval() + ")");
        }
        return config;
    }

    private static WorkerConfig readValues(Settings s) {
        KafkaSettings kafka = KafkaSettings.read(s, DEFAULT_OPS_PORT);
        List<Tier> tiers = new ArrayList<>();
        for (String t : s.list("worker.tiers", List.of("small", "medium", "large"))) {
            try {
                Tier tier = Tier.valueOf(t.toUpperCase(java.util.Locale.ROOT));
                if (tier == Tier.AUTO) {
                    s.problem("worker.tiers cannot contain auto: jobs are routed to small, medium or large");
                } else {
                    tiers.add(tier);
                }
            } catch (IllegalArgumentException e) {
                s.problem("worker.tiers names unknown tier '" + t + "' (use small, medium, large)");
            }
        }
        List<ProviderEndpoint> providers = new ArrayList<>();
        List<String> names = s.list("providers.names", List.of("openai"));
        disabledProviders(s, names);
        for (String name : names) {
            String prefix = "providers." + name + ".";
            String protocol = s.string(prefix + "protocol", name.equals("anthropic") ? "anthropic" : "openai");
            if (!protocol.equals("openai") && !protocol.equals("anthropic")) {
                s.problem(prefix + "protocol = " + protocol + ": use openai (OpenAI and OpenAI-compatible servers"
                        + " such as vLLM, Ollama, llama.cpp) or anthropic (Anthropic Messages)");
            }
            String defaultUrl = switch (name) {
                case "openai" -> "https://api.openai.com";
                case "anthropic" -> "https://api.anthropic.com";
                default -> null;
            };
            providers.add(new ProviderEndpoint(
                    name,
                    protocol,
                    s.url(prefix + "base.url", defaultUrl),
                    s.secret(prefix + "api.key"),
                    new HttpSettings(
                            s.duration(
                                    prefix + "timeout",
                                    Duration.ofSeconds(600),
                                    Duration.ofSeconds(1),
                                    Duration.ofHours(1)),
                            s.enumValue(prefix + "http.client", HttpSettings.Client.class, HttpSettings.Client.HTTP1),
                            s.duration(
                                    prefix + "keep.alive",
                                    HttpSettings.DEFAULT_KEEP_ALIVE,
                                    Duration.ZERO,
                                    Duration.ofHours(1)))));
            if (providers.getLast().baseUrl() == null) {
                s.problem(prefix + "base.url is required for provider " + name);
            }
        }
        return new WorkerConfig(
                kafka,
                s.string("worker.group.id", kafka.groupId("sluice-workers")),
                tiers,
                s.bool("worker.batch.sync", false),
                // The batch loop joins the workers' group: llm.jobs.batch keeps its committed
                // offsets whichever way (batch or sync) it was consumed before.
                s.string("worker.batch.group.id", s.string("worker.group.id", kafka.groupId("sluice-workers"))),
                new BatchSettings(
                        s.intValue("worker.batch.max.lines", BatchSettings.DEFAULTS.maxLines(), 1, 100_000),
                        s.bytes("worker.batch.max.bytes", BatchSettings.DEFAULTS.maxBytes(), 1L << 10, 256L << 20),
                        s.duration(
                                "worker.batch.max.age",
                                BatchSettings.DEFAULTS.maxAge(),
                                Duration.ofMillis(10),
                                Duration.ofHours(1)),
                        s.duration(
                                "worker.batch.poll.interval",
                                BatchSettings.DEFAULTS.pollInterval(),
                                Duration.ofMillis(10),
                                Duration.ofHours(1)),
                        s.duration(
                                "worker.batch.poll.max.interval",
                                BatchSettings.DEFAULTS.maxPollInterval(),
                                Duration.ofMillis(10),
                                Duration.ofHours(6)),
                        s.duration(
                                "worker.batch.submit.grace",
                                BatchSettings.DEFAULTS.submitGrace(),
                                Duration.ofMillis(10),
                                Duration.ofHours(1)),
                        s.intValue("worker.batch.max.pending", BatchSettings.DEFAULTS.maxPending(), 1, 1_000_000),
                        s.duration(
                                "worker.batch.forget.after",
                                BatchSettings.DEFAULTS.forgetAfter(),
                                Duration.ofSeconds(1),
                                Duration.ofDays(365))),
                s.intValue("worker.max.in.flight", 256, 1, 100_000),
                s.bytes("worker.buffer.bytes", 32L << 20, 64L << 10, 4L << 30),
                s.duration(
                        "worker.commit.interval", Duration.ofMillis(200), Duration.ofMillis(10), Duration.ofMinutes(1)),
                s.duration("worker.shutdown.timeout", Duration.ofSeconds(30), Duration.ZERO, Duration.ofMinutes(10)),
                s.duration("worker.running.event.after", Duration.ofSeconds(1), Duration.ZERO, Duration.ofMinutes(10)),
                providers,
                new ProviderCalls.Settings(
                        s.intValue("worker.retries", 2, 0, 10),
                        s.duration(
                                "worker.max.retry.after", Duration.ofSeconds(60), Duration.ZERO, Duration.ofHours(1)),
                        s.intValue("worker.breaker.window", 20, 1, 10_000),
                        s.intValue("worker.breaker.minimum.calls", 10, 1, 10_000),
                        s.intValue("worker.breaker.failure.percent", 50, 1, 100),
                        s.duration(
                                "worker.breaker.open.for",
                                Duration.ofSeconds(30),
                                Duration.ofMillis(100),
                                Duration.ofHours(1)),
                        timeLimits(s)),
                s.duration("worker.redelivery.window", Duration.ofHours(1), Duration.ofMinutes(1), Duration.ofDays(7)),
                s.duration("worker.rate.limit.max.wait", Duration.ofMinutes(5), Duration.ZERO, Duration.ofHours(24)),
                s.path("models.file", null),
                s.bool("topics.create", true),
                OpsSettings.read(s, DEFAULT_OPS_PORT),
                TracingSettings.read(s));
    }

    private static Map<Tier, Duration> timeLimits(Settings s) {
        Map<Tier, Duration> limits = new java.util.EnumMap<>(Tier.class);
        ProviderCalls.Settings.DEFAULT_TIME_LIMITS.forEach((tier, d) -> limits.put(
                tier,
                s.duration(
                        "worker.time.limit." + tier.name().toLowerCase(java.util.Locale.ROOT),
                        d,
                        Duration.ofMillis(100),
                        Duration.ofHours(1))));
        return limits;
    }

    /**
     * The tier topics this worker serves; also llm.jobs.batch when batch jobs run the synchronous
     * way ({@code worker.batch.sync}) instead of through the provider Batch APIs.
     */
    public List<String> jobTopics() {
        List<String> topics = new ArrayList<>(kafka.topics().jobTopics(tiers.isEmpty() ? Topics.ROUTED_TIERS : tiers));
        if (batchViaSync) {
            topics.add(kafka.topics().jobsBatch());
        }
        return topics;
    }

    /**
     * Settings of a provider that {@code providers.names} does not list are not typos of another
     * key but most likely a provider left out of the list (or kept for later): each such provider
     * is one problem that says so, rather than an unknown key per setting.
     */
    private static void disabledProviders(Settings s, List<String> names) {
        java.util.Set<String> others = new java.util.TreeSet<>();
        for (String key : s.source().keys()) {
            String[] parts = key.split("\\.", 3);
            if (parts.length == 3 && parts[0].equals("providers") && !names.contains(parts[1])) {
                others.add(parts[1]);
            }
        }
        for (String other : others) {
            s.passThrough("providers." + other + ".");
            s.problem("providers." + other + ".* is set but " + other + " is not in providers.names ("
                    + String.join(",", names) + "): add it there to use it, or remove its settings");
        }
    }
}
