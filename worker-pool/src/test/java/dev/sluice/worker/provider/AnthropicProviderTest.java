package dev.sluice.worker.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.model.CostBasis;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.Message;
import dev.sluice.model.Priority;
import dev.sluice.model.ResponseFormat;
import dev.sluice.model.Role;
import dev.sluice.model.Tier;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.runtime.catalogue.Pricing;
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

/** The Anthropic adapter against the simulator over real HTTP, and against recorded payload shapes. */
class AnthropicProviderTest {
    private static final String KEY = "sk-ant-test-worker";
    private static final ModelSpec SONNET = ModelCatalogue.loadDefault().require("claude-sonnet-4-5");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ProviderSimulator sim;

    @BeforeAll
    static void startSim() {
        sim = ProviderSimulator.start(SimConfig.defaults().withApiKeys(Set.of(KEY)));
    }

    @AfterAll
    static void stopSim() {
        sim.close();
    }

    private static AnthropicProvider provider(String key) {
        return new AnthropicProvider(
                "anthropic", sim.baseUrl(), Secret.of(key), HttpSettings.of(Duration.ofSeconds(10)));
    }

    private static LlmRequest request(List<Message> messages, Double temperature, ResponseFormat format) {
        return new LlmRequest(
                "r-" + messages.hashCode(),
                "acme",
                null,
                null,
                Priority.NORMAL,
                null,
                null,
                null,
                messages,
                64,
                temperature,
                format,
                null,
                Map.of(),
                Instant.now());
    }

    private static LlmJob job(LlmRequest r) {
        return new LlmJob(r, Tier.MEDIUM, List.of(SONNET.name()), 0, 0, null, null, "", 0, false, false, Instant.now());
    }

    @Test
    void shouldReadTextStopReasonUsageAndRequestIdFromTheSimulatorsMessage() throws Exception {
        List<Message> messages = List.of(Message.system("You are terse."), Message.user("Name three rivers."));
        ProviderReply reply = provider(KEY).complete(SONNET, job(request(messages, 0.0, null)));

        assertThat(reply.text()).isNotBlank();
        assertThat(reply.finishReason()).isIn("stop", "length");
        assertThat(reply.httpStatus()).isEqualTo(200);
        assertThat(reply.providerRequestId()).startsWith("req_");
        assertThat(reply.usage().outputTokens()).isEqualTo(TokenCounter.count(reply.text()));
        assertThat(reply.usage().inputTokens())
                .isEqualTo(TokenCounter.count("You are terse.") + TokenCounter.count("Name three rivers."));
    }

    @Test
    void shouldMoveSystemMessagesToTheTopLevelAndKeepTheTurnsInOrder() throws Exception {
        LlmRequest r = request(
                List.of(
                        Message.system("Be brief."),
                        Message.user("Hi"),
                        new Message(Role.ASSISTANT, "Hello.", false),
                        Message.user("Summarise: ...")),
                1.7,
                null);

        JsonNode body = JSON.readTree(AnthropicProvider.body(SONNET, r));

        assertThat(body.path("model").asText()).isEqualTo("claude-sonnet-4-5");
        assertThat(body.path("max_tokens").asInt()).isEqualTo(64);
        assertThat(body.path("system").get(0).path("text").asText()).isEqualTo("Be brief.");
        assertThat(body.path("messages").findValuesAsText("role")).containsExactly("user", "assistant", "user");
        assertThat(body.path("messages")
                        .get(2)
                        .path("content")
                        .get(0)
                        .path("text")
                        .asText())
                .isEqualTo("Summarise: ...");
        assertThat(body.path("temperature").asDouble())
                .as("capped at Anthropic's maximum")
                .isEqualTo(1.0);
        assertThat(body.toString()).doesNotContain("cache_control");
    }

    @Test
    void shouldAskForJsonThroughTheSystemPromptQuotingTheSchema() throws Exception {
        String schema = "{\"type\":\"object\",\"required\":[\"city\"]}";
        LlmRequest r = request(
                List.of(Message.user("Where?")),
                null,
                new ResponseFormat(ResponseFormat.Type.JSON_SCHEMA, schema, "place"));

        JsonNode body = JSON.readTree(AnthropicProvider.body(SONNET, r));

        assertThat(body.path("system").get(0).path("text").asText())
                .startsWith(AnthropicProvider.JSON_INSTRUCTION)
                .endsWith(schema);
        assertThat(body.has("temperature")).isFalse();
        assertThat(body.has("response_format")).as("not an Anthropic field").isFalse();
    }

    @Test
    void shouldMarkCacheableBlocksOnlyOnceThePrefixReachesTheModelsMinimum() throws Exception {
        String longText = "The support policy says: refunds within 30 days, exchanges within 60. ".repeat(120);
        assertThat(TokenCounter.count(longText)).isGreaterThan(SONNET.minCacheTokens());
        LlmRequest r = request(
                List.of(
                        new Message(Role.SYSTEM, "Short and cacheable.", true),
                        new Message(Role.SYSTEM, longText, true),
                        Message.user("Does order 17 qualify?")),
                null,
                null);

        JsonNode body = JSON.readTree(AnthropicProvider.body(SONNET, r));

        assertThat(body.path("system").get(0).has("cache_control"))
                .as("below the minimum")
                .isFalse();
        assertThat(body.path("system").get(1).path("cache_control").path("type").asText())
                .isEqualTo("ephemeral");
        assertThat(body.path("messages").get(0).path("content").get(0).has("cache_control"))
                .isFalse();
        ProviderReply reply = provider(KEY).complete(SONNET, job(r));
        assertThat(reply.text()).as("the simulator accepts the breakpoint").isNotBlank();
    }

    @Test
    void shouldReadACacheWriteAndThenACacheReadWithTheKeysRateLimits() throws Exception {
        String policy = "Warranty terms: parts for two years, labour for one, batteries for six months. ".repeat(90);
        LlmRequest r = request(
                List.of(new Message(Role.SYSTEM, policy, true), Message.user("Is a battery covered?")), 0.0, null);

        ProviderReply first = provider(KEY).complete(SONNET, job(r));
        ProviderReply second = provider(KEY).complete(SONNET, job(r));

        assertThat(first.usage().cacheWriteTokens()).isGreaterThanOrEqualTo(SONNET.minCacheTokens());
        assertThat(first.usage().cachedInputTokens()).isZero();
        assertThat(second.usage().cachedInputTokens()).isEqualTo(first.usage().cacheWriteTokens());
        assertThat(second.usage().cacheWriteTokens()).isZero();
        assertThat(second.usage().inputTokens())
                .as("the uncached rest")
                .isEqualTo(first.usage().inputTokens());
        assertThat(Pricing.costMicros(SONNET, second.usage(), CostBasis.SYNC))
                .isLessThan(Pricing.costMicros(SONNET, first.usage(), CostBasis.SYNC));
        assertThat(second.rateLimits().requestLimit()).isPositive();
        assertThat(second.rateLimits().requestsRemaining())
                .isLessThan(second.rateLimits().requestLimit());
        assertThat(second.rateLimits().requestsReset()).isNotNull();
    }

    @Test
    void shouldNeverSendMoreThanFourBreakpoints() {
        String longText = "Clause: the supplier delivers within ten working days of the order. ".repeat(120);
        List<Message> system = List.of(
                new Message(Role.SYSTEM, longText, true),
                new Message(Role.SYSTEM, "a", true),
                new Message(Role.SYSTEM, "b", true),
                new Message(Role.SYSTEM, "c", true),
                new Message(Role.SYSTEM, "d", true));
        boolean[] marks = AnthropicProvider.breakpoints(SONNET, system, List.of(Message.user("q")));
        assertThat(marks).containsExactly(false, true, true, true, true, false);
    }

    @Test
    void shouldReadTheRecordedResponseShapeWithCacheReadsAndWritesApart() throws Exception {
        // The example response in the provider reference (docs), with a cache write added.
        String recorded =
                "{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\","
                        + "\"content\":[{\"type\":\"text\",\"text\":\"Hello\"},{\"type\":\"text\",\"text\":\" there\"}],"
                        + "\"stop_reason\":\"max_tokens\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":21,"
                        + "\"output_tokens\":393,\"cache_creation_input_tokens\":1500,\"cache_read_input_tokens\":188086,"
                        + "\"cache_creation\":{\"ephemeral_5m_input_tokens\":1500,\"ephemeral_1h_input_tokens\":0},"
                        + "\"service_tier\":\"standard\"}}";

        ProviderReply reply = AnthropicProtocol.reply(JSON.readTree(recorded), 200, "req_011");

        assertThat(reply.text()).isEqualTo("Hello there");
        assertThat(reply.finishReason()).isEqualTo("length");
        assertThat(reply.usage().inputTokens()).isEqualTo(21);
        assertThat(reply.usage().outputTokens()).isEqualTo(393);
        assertThat(reply.usage().cachedInputTokens()).isEqualTo(188086);
        assertThat(reply.usage().cacheWriteTokens()).isEqualTo(1500);
        assertThat(reply.providerRequestId()).isEqualTo("req_011");
    }

    @Test
    void shouldMapStopReasonsToTheFinishReasonsResultsUse() {
        assertThat(AnthropicProtocol.finishReason("end_turn")).isEqualTo("stop");
        assertThat(AnthropicProtocol.finishReason("stop_sequence")).isEqualTo("stop");
        assertThat(AnthropicProtocol.finishReason("max_tokens")).isEqualTo("length");
        assertThat(AnthropicProtocol.finishReason("refusal")).isEqualTo("content_filter");
        assertThat(AnthropicProtocol.finishReason("pause_turn")).isEqualTo("pause_turn");
    }

    @Test
    void shouldRefuseAWrongKeyAsFinal() {
        assertThatThrownBy(() -> provider("sk-ant-wrong")
                        .complete(SONNET, job(request(List.of(Message.user("hi")), null, null))))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.status()).isEqualTo(401);
                    assertThat(e.type()).isEqualTo("authentication_error");
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).doesNotContain("sk-ant-wrong");
                });
    }

    @Test
    void shouldRetryOverloadedAndRateLimitedButNotBadRequests() {
        Map<Integer, String> types = Map.of(
                529,
                "overloaded_error",
                429,
                "rate_limit_error",
                500,
                "api_error",
                400,
                "invalid_request_error",
                413,
                "request_too_large");
        for (Map.Entry<Integer, Boolean> c :
                Map.of(529, true, 429, true, 500, true, 400, false, 413, false).entrySet()) {
            sim.update(sim.config().withFaultRates(Map.of(c.getKey(), 1.0)));
            try {
                assertThatThrownBy(() -> provider(KEY)
                                .complete(
                                        SONNET,
                                        job(request(List.of(Message.user("status " + c.getKey())), null, null))))
                        .as("HTTP %d", c.getKey())
                        .isInstanceOfSatisfying(ProviderException.class, e -> {
                            assertThat(e.status()).isEqualTo(c.getKey());
                            assertThat(e.retryable()).isEqualTo(c.getValue());
                            assertThat(e.type()).isEqualTo(types.get(c.getKey()));
                        });
            } finally {
                sim.update(sim.config().withFaultRates(Map.of()));
            }
        }
    }

    @Test
    void shouldSendAPromptGivenOnlyAsSystemMessagesAsTheUsersTurn() throws Exception {
        LlmRequest r = request(List.of(Message.system("Classify: the parcel arrived broken.")), null, null);

        JsonNode body = JSON.readTree(AnthropicProvider.body(SONNET, r));

        assertThat(body.has("system")).isFalse();
        assertThat(body.path("messages")).hasSize(1);
        assertThat(body.path("messages").get(0).path("role").asText()).isEqualTo("user");
        assertThat(body.path("messages")
                        .get(0)
                        .path("content")
                        .get(0)
                        .path("text")
                        .asText())
                .isEqualTo("Classify: the parcel arrived broken.");
        assertThat(provider(KEY).complete(SONNET, job(r)).text()).isNotBlank();
    }
}
