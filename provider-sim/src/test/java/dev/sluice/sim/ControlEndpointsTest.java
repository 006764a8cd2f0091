package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ControlEndpointsTest {

    private ProviderSimulator simulator;
    private SimHttp http;

    @BeforeEach
    void start() {
        simulator = ProviderSimulator.start(SimConfig.defaults());
        http = new SimHttp(simulator);
    }

    @AfterEach
    void stop() {
        simulator.close();
    }

    @Test
    void shouldReportHealthUp() {
        SimHttp.Reply reply = http.get("/health");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().get("status").asText()).isEqualTo("UP");
    }

    @Test
    void shouldReportRequestsStatusesAndTokensInStats() {
        JsonNode completion = http.openAi(SimHttp.openAiBody("stats")).json();
        JsonNode message = http.anthropic(SimHttp.anthropicBody("stats")).json();
        http.openAi(SimHttp.openAiBody("stats"), "x-sim-fault", "503");

        JsonNode stats = http.get("/sim/stats").json();

        assertThat(stats.at("/requestsByEndpoint/POST ~1v1~1chat~1completions").asLong())
                .isEqualTo(2);
        assertThat(stats.at("/requestsByEndpoint/POST ~1v1~1messages").asLong()).isEqualTo(1);
        assertThat(stats.at("/responsesByStatus/200").asLong()).isEqualTo(2);
        assertThat(stats.at("/responsesByStatus/503").asLong()).isEqualTo(1);
        assertThat(stats.get("inputTokens").asLong())
                .isEqualTo(completion.at("/usage/prompt_tokens").asLong()
                        + message.at("/usage/input_tokens").asLong());
        assertThat(stats.get("outputTokens").asLong())
                .isEqualTo(completion.at("/usage/completion_tokens").asLong()
                        + message.at("/usage/output_tokens").asLong());
        assertThat(simulator.stats().totalRequests()).isEqualTo(4);
    }

    @Test
    void shouldCountAConversationAnsweredAgainAsARepeatedPrompt() {
        // Given a conversation answered once on each protocol, and one that failed
        http.openAi(SimHttp.openAiBody("first"));
        http.anthropic(SimHttp.anthropicBody("first"));
        http.openAi(SimHttp.openAiBody("failed once"), "x-sim-fault", "503");

        // When the OpenAI one is sent twice more, the failed one again and a new one
        http.openAi(SimHttp.openAiBody("first"));
        http.openAi(SimHttp.openAiBody("first"));
        http.openAi(SimHttp.openAiBody("failed once"));
        http.openAi(SimHttp.openAiBody("second"));

        // Then only the two answers to a conversation answered before are repeats
        assertThat(http.get("/sim/stats").json().get("repeatedPrompts").asLong())
                .isEqualTo(2);
        assertThat(simulator.stats().repeatedPrompts()).isEqualTo(2);
    }

    @Test
    void shouldApplyAConfigPatchAtRuntime() {
        SimHttp.Reply reply = http.post("/sim/config", """
                {"latencyMs":5,"jitterMs":1,"faultRates":{"503":1.0},"retryAfterMs":1500}""");

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().at("/faultRates/503").asDouble()).isEqualTo(1.0);
        assertThat(simulator.config().latency()).isEqualTo(Duration.ofMillis(5));
        assertThat(simulator.config().faultRates()).isEqualTo(Map.of(503, 1.0));
        assertThat(http.openAi(SimHttp.openAiBody("after patch")).status()).isEqualTo(503);
        assertThat(http.get("/sim/config").json().get("retryAfterMs").asLong()).isEqualTo(1500);
    }

    @Test
    void shouldApplyLatencyDistributionAndPromptCacheSettingsAtRuntime() {
        SimHttp.Reply reply = http.post("/sim/config", """
                {"latencyDistribution":"lognormal","latencyMs":40,"latencyP99Ms":400,"promptCache":false}""");

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(simulator.config().latencyDistribution()).isEqualTo(SimConfig.LatencyDistribution.LOG_NORMAL);
        assertThat(simulator.config().latency()).isEqualTo(Duration.ofMillis(40));
        assertThat(simulator.config().latencyP99()).isEqualTo(Duration.ofMillis(400));
        assertThat(simulator.config().promptCache()).isFalse();
        JsonNode shown = http.get("/sim/config").json();
        assertThat(shown.get("latencyDistribution").asText()).isEqualTo("lognormal");
        assertThat(shown.get("latencyP99Ms").asLong()).isEqualTo(400);
        assertThat(shown.get("promptCache").asBoolean()).isFalse();
        assertThat(shown.get("outages").isArray()).isTrue();
    }

    @Test
    void shouldRejectBadLatencyAndCacheSettingsTogether() {
        SimHttp.Reply reply = http.post("/sim/config", """
                {"latencyDistribution":"gaussian","promptCache":"yes","latencyP99Ms":1.5}""");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().get("error").asText())
                .contains("latencyDistribution must be fixed or lognormal, got 'gaussian'")
                .contains("promptCache must be true or false")
                .contains("latencyP99Ms must be an integer number of milliseconds");
    }

    @Test
    void shouldApplyAndValidateBatchSettingsAtRuntime() {
        SimHttp.Reply applied = http.post(
                "/sim/config",
                "{\"batchProcessingTimeMs\":2500,\"batchLineFailureRate\":0.1,\"batchLineExpiryRate\":0.05}");
        SimHttp.Reply badType = http.post("/sim/config", "{\"batchProcessingTimeMs\":\"soon\"}");
        SimHttp.Reply badSum = http.post("/sim/config", "{\"batchLineFailureRate\":0.9,\"batchLineExpiryRate\":0.2}");

        assertThat(applied.status()).as(applied.body()).isEqualTo(200);
        assertThat(simulator.config().batchProcessingTime()).isEqualTo(Duration.ofMillis(2500));
        assertThat(simulator.config().batchLineFailureRate()).isEqualTo(0.1);
        assertThat(simulator.config().batchLineExpiryRate()).isEqualTo(0.05);
        assertThat(http.get("/sim/config").json().get("batchProcessingTimeMs").asLong())
                .isEqualTo(2500);
        assertThat(badType.status()).isEqualTo(400);
        assertThat(badType.json().get("error").asText())
                .contains("batchProcessingTimeMs must be an integer number of milliseconds");
        assertThat(badSum.status()).isEqualTo(400);
        assertThat(badSum.json().get("error").asText())
                .contains("batchLineFailureRate + batchLineExpiryRate must be at most 1");
        assertThat(simulator.config().batchLineFailureRate()).isEqualTo(0.1);
    }

    @Test
    void shouldRejectALogNormalPatchWithoutAP99() {
        SimHttp.Reply reply = http.post("/sim/config", """
                {"latencyDistribution":"lognormal","latencyMs":200}""");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().get("error").asText()).contains("latencyP99 must be ≥ latency (the median)");
    }

    @Test
    void shouldRejectABadConfigPatchListingEveryProblem() {
        SimHttp.Reply reply = http.post("/sim/config", """
                {"latencyMs":"slow","faultRates":{"200":0.5},"port":9999}""");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().get("error").asText())
                .contains("latencyMs must be an integer")
                .contains("unknown setting 'port'");
        assertThat(simulator.config()).isEqualTo(SimConfig.defaults());
    }

    @Test
    void shouldRejectAPatchThatFailsConfigValidation() {
        SimHttp.Reply reply = http.post("/sim/config", """
                {"faultRates":{"429":0.7,"500":0.6},"tokensPerSecond":-1}""");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().get("error").asText())
                .contains("faultRates must sum to at most 1")
                .contains("tokensPerSecond must be a finite number");
    }

    @Test
    void shouldAnswerUnknownOpenAiPathsWithTheOpenAiNotFoundShape() {
        SimHttp.Reply reply = http.get("/v1/models");

        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.json().at("/error/message").asText()).isEqualTo("Invalid URL (GET /v1/models)");
        assertThat(reply.json().at("/error/type").asText()).isEqualTo("invalid_request_error");
    }

    @Test
    void shouldAnswerUnknownAnthropicPathsWithTheAnthropicNotFoundShape() {
        SimHttp.Reply reply = http.post("/v1/messages/count_tokens", "{}");

        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.json().get("type").asText()).isEqualTo("error");
        assertThat(reply.json().at("/error/type").asText()).isEqualTo("not_found_error");
    }

    @Test
    void shouldGiveALoopbackBaseUrlWhenBoundToEveryInterface() {
        try (ProviderSimulator everywhere =
                ProviderSimulator.start(SimConfig.defaults().withHost("0.0.0.0"))) {
            assertThat(everywhere.baseUrl()).isEqualTo("http://127.0.0.1:" + everywhere.port());
            assertThat(new SimHttp(everywhere).get("/health").status()).isEqualTo(200);
        }
    }

    @Test
    void shouldRefuseToMoveAPortOnUpdate() {
        SimConfig moved = simulator.config().withPort(1);

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> simulator.update(moved))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host and port cannot change");
    }
}
