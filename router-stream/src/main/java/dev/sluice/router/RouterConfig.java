package dev.sluice.router;

import dev.sluice.model.TenantConfig;
import dev.sluice.router.semantic.OpenAiEmbedder;
import dev.sluice.router.semantic.SemanticCache;
import dev.sluice.runtime.config.Secret;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.KafkaSettings;
import dev.sluice.runtime.ops.OpsSettings;
import dev.sluice.runtime.requests.RequestLimits;
import dev.sluice.runtime.tracing.TracingSettings;
import java.nio.file.Path;
import java.time.Duration;

/** router-stream's configuration; see the module README for every key and its default. */
public record RouterConfig(
        KafkaSettings kafka,
        String applicationId,
        Path stateDir,
        int streamThreads,
        Duration dedupeWindow,
        Duration singleFlightWait,
        int maxMessageChars,
        RequestLimits requestLimits,
        int semanticEmbedThreads,
        OpenAiEmbeddings openAiEmbeddings,
        Path modelCatalogue,
        boolean createTopics,
        OpsSettings ops,
        TracingSettings tracing) {

    public static final int DEFAULT_OPS_PORT = 9401;

    public static RouterConfig read(Settings s) {
        KafkaSettings kafka = KafkaSettings.read(s, DEFAULT_OPS_PORT);
        return new RouterConfig(
                kafka,
                s.string("router.application.id", kafka.groupId("sluice-router")),
                s.path("router.state.dir", Path.of("state", "router")),
                s.intValue("router.stream.threads", 1, 1, 64),
                s.duration("router.dedupe.window", Duration.ofHours(24), Duration.ofMinutes(1), Duration.ofDays(30)),
                s.duration(
                        "router.singleflight.wait", Duration.ofMinutes(2), Duration.ofSeconds(1), Duration.ofHours(1)),
                s.intValue("router.max.message.chars", 1_000_000, 1, 100_000_000),
                RequestLimits.read(s),
                s.intValue("router.semantic.embed.threads", 1, 0, 16),
                new OpenAiEmbeddings(
                        s.string("router.semantic.openai.base.url", "https://api.openai.com"),
                        s.string("router.semantic.openai.model", "text-embedding-3-small"),
                        s.secret("router.semantic.openai.api.key"),
                        s.duration(
                                "router.semantic.openai.timeout",
                                Duration.ofSeconds(2),
                                Duration.ofMillis(100),
                                Duration.ofMinutes(1))),
                s.path("models.file", null),
                s.bool("topics.create", true),
                OpsSettings.read(s, DEFAULT_OPS_PORT),
                TracingSettings.read(s));
    }

    /**
     * The rules, with the in-process semantic cache and its embed-ahead threads (none with
     * {@code router.semantic.embed.threads: 0}); the threads start with the first request to embed.
     */
    public RouterRules rules(dev.sluice.runtime.catalogue.ModelCatalogue catalogue) {
        SemanticCache semantic = SemanticCache.inProcess().embeddingAhead(semanticEmbedThreads);
        if (!openAiEmbeddings.apiKey().isEmpty()) {
            semantic.with(
                    TenantConfig.CachePolicy.OPENAI,
                    () -> new OpenAiEmbedder(
                            openAiEmbeddings.baseUrl(),
                            openAiEmbeddings.model(),
                            openAiEmbeddings.apiKey(),
                            openAiEmbeddings.timeout()));
        }
        return new RouterRules(catalogue, dedupeWindow, singleFlightWait, maxMessageChars, requestLimits, semantic);
    }

    /**
     * The OpenAI-compatible embeddings endpoint that tenants with {@code cache.semanticEmbedder: openai}
     * take their vectors from; offered only when its API key is set.
     */
    public record OpenAiEmbeddings(String baseUrl, String model, Secret apiKey, Duration timeout) {}
}
