package dev.sluice.worker.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.Message;
import dev.sluice.model.Priority;
import dev.sluice.model.ResponseFormat;
import dev.sluice.model.Tier;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.runtime.config.Secret;
import dev.sluice.runtime.tokens.TokenCounter;
import dev.sluice.sim.ProviderSimulator;
import dev.sluice.sim.SimConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The OpenAI adapter against the simulator over real HTTP. */
class OpenAiProviderTest {
    private static final String KEY = "sk-test-worker";
    private static ProviderSimulator sim;
    private static final ModelSpec MODEL = ModelCatalogue.loadDefault().require("gpt-4.1-mini");

    @BeforeAll
    static void startSim() {
        sim = ProviderSimulator.start(SimConfig.defaults().withApiKeys(Set.of(KEY)));
    }

    @AfterAll
    static void stopSim() {
        sim.close();
    }

    private static OpenAiProvider provider(String key) {
        return new OpenAiProvider("openai", sim.baseUrl(), Secret.of(key), HttpSettings.of(Duration.ofSeconds(10)));
    }

    private static LlmJob job(String prompt, Map<String, String> metadata, ResponseFormat format) {
        // JSON answers get room to finish; a cut-off JSON object (finish_reason "length") does not parse.
        int maxTokens = format == null ? 64 : 1024;
        LlmRequest r = new LlmRequest(
                "r-" + prompt.hashCode(),
                "acme",
                null,
                null,
                Priority.NORMAL,
                null,
                null,
                null,
                List.of(Message.system("You are terse."), Message.user(prompt)),
                maxTokens,
                0.0,
                format,
                null,
                metadata,
                Instant.now());
        return new LlmJob(r, Tier.MEDIUM, List.of(MODEL.name()), 0, 0, null, null, "", 0, false, false, Instant.now());
    }

    @Test
    void shouldReadTextFinishReasonAndUsageFromAChatCompletion() throws Exception {
        ProviderReply reply = provider(KEY).complete(MODEL, job("Name three rivers.", Map.of(), null));

        assertThat(reply.text()).isNotBlank();
        assertThat(reply.finishReason()).isIn("stop", "length");
        assertThat(reply.httpStatus()).isEqualTo(200);
        assertThat(reply.providerRequestId()).startsWith("req_");
        assertThat(reply.usage().outputTokens()).isEqualTo(TokenCounter.count(reply.text()));
        assertThat(reply.usage().inputTokens())
                .isEqualTo(TokenCounter.chatTokens(
                        List.of(Message.system("You are terse."), Message.user("Name three rivers."))));
    }

    @Test
    void shouldReadTheSameReplyThroughEitherHttpClient() throws Exception {
        LlmJob job = job("Name three rivers.", Map.of(), null);
        try (OpenAiProvider own = provider(KEY);
                OpenAiProvider jdk = new OpenAiProvider(
                        "openai",
                        sim.baseUrl(),
                        Secret.of(KEY),
                        new HttpSettings(
                                Duration.ofSeconds(10), HttpSettings.Client.JDK, HttpSettings.DEFAULT_KEEP_ALIVE))) {
            ProviderReply viaOwn = own.complete(MODEL, job);
            ProviderReply viaJdk = jdk.complete(MODEL, job);

            assertThat(viaJdk.text()).isEqualTo(viaOwn.text());
            assertThat(viaJdk.usage()).isEqualTo(viaOwn.usage());
            assertThat(viaJdk.rateLimits().requestLimit())
                    .isEqualTo(viaOwn.rateLimits().requestLimit())
                    .isPositive();
        }
        try (OpenAiProvider wrongKey = new OpenAiProvider(
                "openai",
                sim.baseUrl(),
                Secret.of("sk-wrong"),
                new HttpSettings(Duration.ofSeconds(10), HttpSettings.Client.JDK, HttpSettings.DEFAULT_KEEP_ALIVE))) {
            assertThatThrownBy(() -> wrongKey.complete(MODEL, job))
                    .isInstanceOfSatisfying(
                            ProviderException.class, e -> assertThat(e.status()).isEqualTo(401));
        }
    }

    @Test
    void shouldReadCachedTokensOfARepeatedLongPromptWithTheKeysRateLimits() throws Exception {
        String prompt = "Summarise the ledger entries below in one line. " + "Entry: debit 40, credit 12. ".repeat(200);
        LlmJob job = job(prompt, Map.of(), null);

        ProviderReply first = provider(KEY).complete(MODEL, job);
        ProviderReply second = provider(KEY).complete(MODEL, job);

        long total = first.usage().inputTokens();
        assertThat(total).isGreaterThan(1_024);
        assertThat(first.usage().cachedInputTokens()).isZero();
        // OpenAI caches prefixes of 1,024 tokens and then in steps of 128.
        long cached = second.usage().cachedInputTokens();
        assertThat(cached).isGreaterThanOrEqualTo(1_024).isLessThanOrEqualTo(total);
        assertThat((cached - 1_024) % 128).isZero();
        assertThat(second.usage().inputTokens())
                .as("prompt tokens minus cached")
                .isEqualTo(total - cached);
        assertThat(second.rateLimits().tokenLimit()).isPositive();
        assertThat(second.rateLimits().tokensRemaining())
                .isLessThan(second.rateLimits().tokenLimit());
    }

    @Test
    void shouldAskForJsonSchemaOutputInOpenAisShape() throws Exception {
        ResponseFormat format = new ResponseFormat(
                ResponseFormat.Type.JSON_SCHEMA,
                "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}",
                "place");
        JsonNode body = new ObjectMapper()
                .readTree(OpenAiProvider.body(
                        MODEL, job("Where?", Map.of(), format).request()));
        assertThat(body.path("response_format").path("type").asText()).isEqualTo("json_schema");
        assertThat(body.path("response_format").path("json_schema").path("name").asText())
                .isEqualTo("place");
        assertThat(body.path("max_completion_tokens").asInt()).isEqualTo(1024);
        assertThat(body.path("messages").get(0).path("role").asText()).isEqualTo("system");

        ProviderReply reply = provider(KEY).complete(MODEL, job("Where?", Map.of(), format));
        assertThat(reply.finishReason()).isEqualTo("stop");
        assertThat(new ObjectMapper().readTree(reply.text()).path("city").isTextual())
                .isTrue();
    }

    @Test
    void shouldMentionJsonForJsonModeWhenTheCallerDidNotSoOpenAiAcceptsIt() throws Exception {
        ResponseFormat json = new ResponseFormat(ResponseFormat.Type.JSON, null, null);
        JsonNode body = new ObjectMapper()
                .readTree(OpenAiProvider.body(
                        MODEL, job("List two colours.", Map.of(), json).request()));
        assertThat(body.path("messages").get(0).path("content").asText()).isEqualTo(OpenAiProvider.JSON_INSTRUCTION);
        assertThat(body.path("response_format").path("type").asText()).isEqualTo("json_object");

        ProviderReply reply = provider(KEY).complete(MODEL, job("List two colours.", Map.of(), json));
        assertThat(reply.finishReason()).isEqualTo("stop");
        assertThat(new ObjectMapper().readTree(reply.text()).isObject()).isTrue();

        JsonNode already = new ObjectMapper()
                .readTree(OpenAiProvider.body(
                        MODEL, job("Answer in JSON please.", Map.of(), json).request()));
        assertThat(already.path("messages")).hasSize(2);
    }

    @Test
    void shouldClassifyARateLimitAsRetryableWithItsRetryAfter() {
        OpenAiProvider provider = provider(KEY);
        sim.update(sim.config().withFaultRates(Map.of(429, 1.0)));
        try {
            assertThatThrownBy(() -> provider.complete(MODEL, job("rate me", Map.of(), null)))
                    .isInstanceOfSatisfying(ProviderException.class, e -> {
                        assertThat(e.status()).isEqualTo(429);
                        assertThat(e.retryable()).isTrue();
                        assertThat(e.outcome()).isEqualTo("rate_limited");
                        assertThat(e.retryAfter()).isNotNull().isPositive();
                    });
        } finally {
            sim.update(sim.config().withFaultRates(Map.of()));
        }
    }

    @Test
    void shouldClassifyABadRequestAsFinal() {
        sim.update(sim.config().withFaultRates(Map.of(400, 1.0)));
        try {
            assertThatThrownBy(() -> provider(KEY).complete(MODEL, job("bad", Map.of(), null)))
                    .isInstanceOfSatisfying(ProviderException.class, e -> {
                        assertThat(e.status()).isEqualTo(400);
                        assertThat(e.retryable()).isFalse();
                        assertThat(e.type()).isEqualTo("invalid_request_error");
                    });
        } finally {
            sim.update(sim.config().withFaultRates(Map.of()));
        }
    }

    @Test
    void shouldReportAWrongKeyAsAnAuthErrorWithoutEchoingIt() {
        assertThatThrownBy(() -> provider("sk-wrong-key-123456").complete(MODEL, job("who", Map.of(), null)))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.status()).isEqualTo(401);
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.outcome()).isEqualTo("auth_error");
                    assertThat(e.getMessage()).doesNotContain("sk-wrong-key-123456");
                });
    }

    @Test
    void shouldTreatAnUnreachableProviderAsRetryable() {
        OpenAiProvider nowhere = new OpenAiProvider(
                "openai", "http://127.0.0.1:1", Secret.of(KEY), HttpSettings.of(Duration.ofSeconds(2)));
        assertThatThrownBy(() -> nowhere.complete(MODEL, job("anyone?", Map.of(), null)))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.status()).isZero();
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.outcome()).isEqualTo("connection_error");
                });
    }
}
