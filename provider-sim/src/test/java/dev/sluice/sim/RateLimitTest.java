package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RateLimitTest {

    // 12:00:50 UTC on some day: 10 s before the window resets.
    private static final long START = Instant.parse("2026-01-05T12:00:50Z").toEpochMilli();

    private final AtomicLong clock = new AtomicLong(START);
    private ProviderSimulator simulator;
    private SimHttp http;

    @BeforeEach
    void start() {
        simulator = ProviderSimulator.start(SimConfig.defaults().withRateLimits(2, 1_000_000), clock::get);
        http = new SimHttp(simulator);
    }

    @AfterEach
    void stop() {
        simulator.close();
    }

    @Test
    void shouldCountRemainingRequestsDownAndAnswer429OverTheLimit() {
        SimHttp.Reply first = http.openAi(SimHttp.openAiBody("one"));
        SimHttp.Reply second = http.openAi(SimHttp.openAiBody("two"));
        SimHttp.Reply third = http.openAi(SimHttp.openAiBody("three"));

        assertThat(first.header("x-ratelimit-remaining-requests")).isEqualTo("1");
        assertThat(second.header("x-ratelimit-remaining-requests")).isEqualTo("0");
        assertThat(first.header("x-ratelimit-reset-requests")).isEqualTo("10s");
        assertThat(third.status()).isEqualTo(429);
        assertThat(third.header("retry-after")).isEqualTo("10");
        assertThat(third.header("retry-after-ms")).isEqualTo("10000");
        assertThat(third.json().at("/error/code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(third.json().at("/error/type").asText()).isEqualTo("requests");
        assertThat(third.json().at("/error/message").asText())
                .contains("on requests per min (RPM): Limit 2, Used 2, Requested 1. Please try again in 10s.");
    }

    @Test
    void shouldServeAgainOnceTheWindowResets() {
        http.openAi(SimHttp.openAiBody("one"));
        http.openAi(SimHttp.openAiBody("two"));

        clock.addAndGet(10_000);
        SimHttp.Reply next = http.anthropic(SimHttp.anthropicBody("three"));

        assertThat(next.status()).isEqualTo(200);
        assertThat(next.header("anthropic-ratelimit-requests-remaining")).isEqualTo("1");
        assertThat(next.header("anthropic-ratelimit-requests-reset")).isEqualTo("2026-01-05T12:02:00Z");
    }

    @Test
    void shouldAnswerAnthropic429WithRateLimitErrorOverTheLimit() {
        http.anthropic(SimHttp.anthropicBody("one"));
        http.anthropic(SimHttp.anthropicBody("two"));

        SimHttp.Reply third = http.anthropic(SimHttp.anthropicBody("three"));

        assertThat(third.status()).isEqualTo(429);
        assertThat(third.json().at("/error/type").asText()).isEqualTo("rate_limit_error");
        assertThat(third.header("retry-after")).isEqualTo("10");
        assertThat(third.header("anthropic-ratelimit-requests-remaining")).isEqualTo("0");
    }

    @Test
    void shouldAnswer429ForTokensWhenTheTokenBudgetIsSpent() {
        simulator.update(simulator.config().withRateLimits(100, 50));
        http.openAi(SimHttp.openAiBody("spend most of the fifty tokens in one go"));

        SimHttp.Reply over = http.openAi(SimHttp.openAiBody("and then some"));

        assertThat(over.status()).isEqualTo(429);
        assertThat(over.json().at("/error/type").asText()).isEqualTo("tokens");
        assertThat(over.json().at("/error/message").asText()).contains("tokens per min (TPM): Limit 50");
    }
}
