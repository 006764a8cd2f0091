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

        assertThat(stats.at("/requestsByEndpoint/POST ~1v1~1chat~1completions").asLong()).isEqualTo(2);
        assertThat(stats.at("/requestsByEndpoint/POST ~1v1~1messages").asLong()).isEqualTo(1);
        assertThat(stats.at("/responsesByStatus/200").asLong()).isEqualTo(2);
        assertThat(stats.at("/responsesByStatus/503").asLong()).isEqualTo(1);
        assertThat(stats.get("inputTokens").asLong()).isEqualTo(
                completion.at("/usage/prompt_tokens").asLong() + message.at("/usage/input_tokens").asLong());
        assertThat(stats.get("outputTokens").asLong()).isEqualTo(
                completion.at("/usage/completion_tokens").asLong() + message.at("/usage/output_tokens").asLong());
        assertThat(simulator.stats().totalRequests()).isEqualTo(4);
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
        SimHttp.Reply reply = http.post("/v1/messages/batches", "{}");

        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.json().get("type").asText()).isEqualTo("error");
        assertThat(reply.json().at("/error/type").asText()).isEqualTo("not_found_error");
    }

    @Test
    void shouldGiveALoopbackBaseUrlWhenBoundToEveryInterface() {
        try (ProviderSimulator everywhere = ProviderSimulator.start(SimConfig.defaults().withHost("0.0.0.0"))) {
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
