package dev.sluice.router;

import static dev.sluice.router.RouterHarness.build;
import static dev.sluice.router.RouterHarness.tenant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.CacheHit;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmResult;
import dev.sluice.model.Message;
import dev.sluice.model.TenantConfig;
import dev.sluice.model.Tier;
import dev.sluice.router.semantic.Embedder;
import dev.sluice.router.semantic.OpenAiEmbedder;
import dev.sluice.router.semantic.SemanticCache;
import dev.sluice.runtime.config.Secret;
import dev.sluice.sim.ProviderSimulator;
import dev.sluice.sim.SimConfig;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A tenant whose semantic cache takes its vectors from a provider's embeddings endpoint
 * ({@code cache.semanticEmbedder: openai}), here the provider simulator's real
 * {@code POST /v1/embeddings}.
 */
class SemanticEmbedderTest {
    private static final String KEY = "sk-embeddings-test";
    private static final String SYSTEM = "You are the support assistant of a web shop. Answer in one sentence.";
    private static final String ASKED = "When will order 48213 arrive in Paris?";
    private static final String PARAPHRASE = "How long until order 48213 gets to Paris?";

    private final AtomicInteger calls = new AtomicInteger();

    private static TenantConfig tenantEmbeddingWith(String id, String embedder) {
        TenantConfig base = tenant(id);
        return new TenantConfig(
                id,
                null,
                null,
                null,
                null,
                null,
                Tier.MEDIUM,
                base.webhooks(),
                null,
                new TenantConfig.CachePolicy(true, false, 3600).withSemantic().withSemanticEmbedder(embedder),
                null,
                3600,
                1,
                RouterHarness.T0);
    }

    /** The router's semantic cache with the simulator's endpoint as {@code openai}, counting its calls. */
    private SemanticCache withOpenAi(ProviderSimulator sim) {
        return withOpenAi(sim, KEY);
    }

    private SemanticCache withOpenAi(ProviderSimulator sim, String key) {
        return SemanticCache.inProcess().with(TenantConfig.CachePolicy.OPENAI, () -> {
            OpenAiEmbedder openai =
                    new OpenAiEmbedder(sim.baseUrl(), "text-embedding-3-small", Secret.of(key), Duration.ofSeconds(5));
            return new Embedder() {
                @Override
                public String id() {
                    return openai.id();
                }

                @Override
                public float[] embed(String text) {
                    calls.incrementAndGet();
                    return openai.embed(text);
                }

                @Override
                public boolean fits(String text) {
                    return openai.fits(text);
                }
            };
        });
    }

    private static void ask(RouterHarness h, String id, String tenant, String prompt) {
        h.send(build(id, tenant)
                .messages(Message.system(SYSTEM), Message.user(prompt))
                .temperature(0.0)
                .done());
    }

    @Test
    void shouldAnswerAParaphraseWithVectorsFromTheProvidersEmbeddingsEndpoint() {
        try (ProviderSimulator sim =
                        ProviderSimulator.start(SimConfig.defaults().withApiKeys(Set.of(KEY)));
                RouterHarness h = RouterHarness.withSemantic(withOpenAi(sim))) {
            h.tenant(tenantEmbeddingWith("acme", TenantConfig.CachePolicy.OPENAI));
            ask(h, "first", "acme", ASKED);
            LlmJob job = h.jobs().getFirst();
            h.result(RouterHarness.succeeded(job, "Order 48213 arrives on Friday.", 1234));

            ask(h, "second", "acme", PARAPHRASE);

            assertThat(h.jobs()).as("no provider call for the paraphrase").isEmpty();
            assertThat(h.completions()).singleElement().satisfies(hit -> {
                assertThat(hit.cacheHit()).isEqualTo(CacheHit.SEMANTIC);
                assertThat(hit.output()).isEqualTo("Order 48213 arrives on Friday.");
            });
            assertThat(calls).as("one embedding per request, from the endpoint").hasValue(2);
        }
    }

    @Test
    void shouldNeverCompareVectorsOfTheEndpointWithThoseOfTheInProcessModel() {
        try (ProviderSimulator sim =
                        ProviderSimulator.start(SimConfig.defaults().withApiKeys(Set.of(KEY)));
                RouterHarness h = RouterHarness.withSemantic(withOpenAi(sim))) {
            h.tenant(tenantEmbeddingWith("acme", TenantConfig.CachePolicy.IN_PROCESS));
            ask(h, "first", "acme", ASKED);
            h.result(RouterHarness.succeeded(h.jobs().getFirst(), "Order 48213 arrives on Friday.", 1234));
            // The tenant switches to the endpoint: its in-process entries are another scope now.
            h.tenant(tenantEmbeddingWith("acme", TenantConfig.CachePolicy.OPENAI));

            ask(h, "second", "acme", PARAPHRASE);

            assertThat(h.jobs()).extracting(j -> j.request().requestId()).containsExactly("second");
            assertThat(h.completions()).isEmpty();
        }
    }

    @Test
    void shouldGiveTheExactCacheOnlyWhileTheEndpointIsDownAndAskItOnceNotPerRequest() {
        try (ProviderSimulator sim = ProviderSimulator.start(
                        SimConfig.defaults().withApiKeys(Set.of(KEY)).withFaultRates(Map.of(503, 1.0)));
                RouterHarness h = RouterHarness.withSemantic(withOpenAi(sim))) {
            h.tenant(tenantEmbeddingWith("acme", TenantConfig.CachePolicy.OPENAI));
            ask(h, "first", "acme", ASKED);
            h.result(RouterHarness.succeeded(h.jobs().getFirst(), "Order 48213 arrives on Friday.", 1234));

            ask(h, "paraphrase", "acme", PARAPHRASE);
            ask(h, "again", "acme", ASKED);

            assertThat(h.jobs())
                    .as("the paraphrase becomes a job")
                    .extracting(j -> j.request().requestId())
                    .containsExactly("paraphrase");
            assertThat(h.completions())
                    .as("the exact cache still answers")
                    .extracting(LlmResult::requestId, LlmResult::cacheHit)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("again", CacheHit.EXACT));
            assertThat(calls).as("asked once, then paused").hasValue(1);
        }
    }

    @Test
    void shouldNotPauseTheEndpointForAnAnswerAboutTheSetupSuchAsAWrongKey() {
        try (ProviderSimulator sim =
                        ProviderSimulator.start(SimConfig.defaults().withApiKeys(Set.of(KEY)));
                RouterHarness h = RouterHarness.withSemantic(withOpenAi(sim, "sk-wrong"))) {
            h.tenant(tenantEmbeddingWith("acme", TenantConfig.CachePolicy.OPENAI));

            ask(h, "first", "acme", ASKED);
            ask(h, "second", "acme", PARAPHRASE);

            assertThat(h.jobs()).extracting(j -> j.request().requestId()).containsExactly("first", "second");
            assertThat(calls)
                    .as("a 401 is about the key, not the endpoint's health: asked each time")
                    .hasValue(2);
        }
    }

    @Test
    void shouldGiveTheExactCacheOnlyToATenantNamingAnEmbedderTheRouterIsNotConfiguredWith() {
        try (RouterHarness h = RouterHarness.withSemantic(SemanticCache.inProcess())) {
            h.tenant(tenantEmbeddingWith("acme", TenantConfig.CachePolicy.OPENAI));
            ask(h, "first", "acme", ASKED);
            h.result(RouterHarness.succeeded(h.jobs().getFirst(), "Order 48213 arrives on Friday.", 1234));

            ask(h, "paraphrase", "acme", PARAPHRASE);
            ask(h, "again", "acme", ASKED);

            assertThat(h.jobs()).extracting(j -> j.request().requestId()).containsExactly("paraphrase");
            assertThat(h.completions()).extracting(LlmResult::cacheHit).containsExactly(CacheHit.EXACT);
        }
    }
}
