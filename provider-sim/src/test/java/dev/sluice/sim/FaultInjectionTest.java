package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FaultInjectionTest {

    private static ProviderSimulator simulator;
    private static SimHttp http;

    @BeforeAll
    static void start() {
        simulator = ProviderSimulator.start(SimConfig.defaults());
        http = new SimHttp(simulator);
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    @BeforeEach
    void resetFaults() {
        simulator.update(SimConfig.defaults());
    }

    @ParameterizedTest(name = "OpenAI {0} -> {1}")
    @CsvSource(
            nullValues = "null",
            value = {
                "400, invalid_request_error, null",
                "401, invalid_request_error, invalid_api_key",
                "403, request_forbidden, unsupported_country_region_territory",
                "404, invalid_request_error, model_not_found",
                "408, timeout, null",
                "409, invalid_request_error, conflict",
                "429, requests, rate_limit_exceeded",
                "500, server_error, null",
                "502, server_error, null",
                "503, server_error, null",
                "504, server_error, null",
            })
    void shouldAnswerTheForcedStatusWithTheOpenAiErrorBody(int status, String type, String code) {
        SimHttp.Reply reply = http.openAi(SimHttp.openAiBody("fault"), "x-sim-fault", Integer.toString(status));

        assertThat(reply.status()).isEqualTo(status);
        JsonNode error = reply.json().get("error");
        assertThat(error.fieldNames()).toIterable().containsExactly("message", "type", "param", "code");
        assertThat(error.get("type").asText()).isEqualTo(type);
        assertThat(error.get("code").isNull() ? null : error.get("code").asText())
                .isEqualTo(code);
        assertThat(error.get("message").asText()).isNotBlank();
    }

    @ParameterizedTest(name = "Anthropic {0} -> {1}")
    @CsvSource({
        "400, invalid_request_error",
        "401, authentication_error",
        "402, billing_error",
        "403, permission_error",
        "404, not_found_error",
        "413, request_too_large",
        "429, rate_limit_error",
        "500, api_error",
        "504, timeout_error",
        "529, overloaded_error",
    })
    void shouldAnswerTheForcedStatusWithTheAnthropicErrorBody(int status, String type) {
        SimHttp.Reply reply = http.anthropic(SimHttp.anthropicBody("fault"), "x-sim-fault", Integer.toString(status));

        assertThat(reply.status()).isEqualTo(status);
        JsonNode body = reply.json();
        assertThat(body.get("type").asText()).isEqualTo("error");
        assertThat(body.at("/error/type").asText()).isEqualTo(type);
        assertThat(body.at("/error/message").asText()).isNotBlank();
        assertThat(body.get("request_id").asText()).isEqualTo(reply.header("request-id"));
    }

    @Test
    void shouldAnswer503WithTheOverloadedEngineMessage() {
        SimHttp.Reply reply = http.openAi(SimHttp.openAiBody("fault"), "x-sim-fault", "503");

        assertThat(reply.json().at("/error/message").asText())
                .isEqualTo("The engine is currently overloaded, please try again later.");
    }

    @Test
    void shouldAnswer429WithRetryAfterAndZeroRemainingWhenFaultInjected() {
        simulator.update(SimConfig.defaults().withRetryAfter(Duration.ofMillis(1200)));

        SimHttp.Reply reply = http.openAi(SimHttp.openAiBody("fault"), "x-sim-fault", "429");

        assertThat(reply.status()).isEqualTo(429);
        assertThat(reply.header("retry-after")).isEqualTo("2");
        assertThat(reply.header("retry-after-ms")).isEqualTo("1200");
        assertThat(reply.header("x-ratelimit-remaining-requests")).isEqualTo("0");
        assertThat(reply.header("x-ratelimit-remaining-tokens")).isEqualTo("0");
        assertThat(reply.header("x-ratelimit-reset-requests")).isEqualTo("1.2s");
        assertThat(reply.json().at("/error/message").asText())
                .startsWith("Rate limit reached for gpt-4o-mini")
                .contains("Please try again in 1.2s.");
    }

    @Test
    void shouldAnswerAnthropic429WithRetryAfterSecondsAndZeroRemaining() {
        SimHttp.Reply reply = http.anthropic(SimHttp.anthropicBody("fault"), "x-sim-fault", "429");

        assertThat(reply.status()).isEqualTo(429);
        assertThat(Integer.parseInt(reply.header("retry-after"))).isGreaterThanOrEqualTo(1);
        assertThat(reply.header("anthropic-ratelimit-requests-remaining")).isEqualTo("0");
        assertThat(reply.header("anthropic-ratelimit-tokens-remaining")).isEqualTo("0");
    }

    @Test
    void shouldAlwaysFailWhenTheConfiguredRateIsOne() {
        simulator.update(SimConfig.defaults().withFaultRates(Map.of(503, 1.0)));

        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            statuses.add(http.openAi(SimHttp.openAiBody("always " + i)).status());
            statuses.add(http.anthropic(SimHttp.anthropicBody("always " + i)).status());
        }

        assertThat(statuses).hasSize(40).containsOnly(503);
    }

    @Test
    void shouldNeverFailWhenTheConfiguredRateIsZero() {
        simulator.update(SimConfig.defaults().withFaultRates(Map.of(503, 0.0, 429, 0.0)));

        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            statuses.add(http.openAi(SimHttp.openAiBody("never " + i)).status());
            statuses.add(http.anthropic(SimHttp.anthropicBody("never " + i)).status());
        }

        assertThat(statuses).hasSize(40).containsOnly(200);
    }

    @Test
    void shouldDrawTheSameFaultSequenceForTheSameSeed() {
        SimConfig flaky = SimConfig.defaults().withSeed(99).withFaultRates(Map.of(429, 0.3, 500, 0.2));

        simulator.update(flaky);
        List<Integer> first = statuses(30);
        simulator.update(flaky);
        List<Integer> second = statuses(30);

        assertThat(second).isEqualTo(first);
        assertThat(first).contains(200, 429, 500);
    }

    @Test
    void shouldStopFailingOnceTheFaultRateIsRemovedAtRuntime() {
        simulator.update(SimConfig.defaults().withFaultRates(Map.of(500, 1.0)));
        int during = http.openAi(SimHttp.openAiBody("runtime")).status();

        simulator.update(SimConfig.defaults());
        int after = http.openAi(SimHttp.openAiBody("runtime")).status();

        assertThat(during).isEqualTo(500);
        assertThat(after).isEqualTo(200);
    }

    @Test
    void shouldRejectAFaultHeaderThatIsNotAnErrorStatus() {
        SimHttp.Reply reply = http.openAi(SimHttp.openAiBody("fault"), "x-sim-fault", "200");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().at("/error/message").asText()).contains("x-sim-fault");
    }

    @Test
    void shouldCountInjectedFaultsByStatusInStats() {
        long before = simulator.stats().responses(502);

        http.openAi(SimHttp.openAiBody("fault"), "x-sim-fault", "502");
        http.openAi(SimHttp.openAiBody("fault"), "x-sim-fault", "502");

        assertThat(simulator.stats().responses(502)).isEqualTo(before + 2);
    }

    private static List<Integer> statuses(int count) {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            statuses.add(http.openAi(SimHttp.openAiBody("seeded")).status());
        }
        return statuses;
    }
}
