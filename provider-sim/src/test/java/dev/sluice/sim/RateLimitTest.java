package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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
    void shouldGiveEachApiKeyItsOwnFullLimit() {
        http.openAiAs("sk-key-a-0000000001", SimHttp.openAiBody("one"));
        http.openAiAs("sk-key-a-0000000001", SimHttp.openAiBody("two"));

        SimHttp.Reply aOver = http.openAiAs("sk-key-a-0000000001", SimHttp.openAiBody("three"));
        SimHttp.Reply bFirst = http.openAiAs("sk-key-b-0000000002", SimHttp.openAiBody("three"));
        SimHttp.Reply bSecond = http.openAiAs("sk-key-b-0000000002", SimHttp.openAiBody("four"));

        assertThat(aOver.status()).isEqualTo(429);
        assertThat(bFirst.status()).isEqualTo(200);
        assertThat(bFirst.header("x-ratelimit-remaining-requests")).isEqualTo("1");
        assertThat(bSecond.status()).isEqualTo(200);
        assertThat(bSecond.header("x-ratelimit-remaining-requests")).isEqualTo("0");
    }

    @Test
    void shouldCountTheRequestedOutputCapAgainstOpenAiTokensAtAdmission() {
        simulator.update(simulator.config().withRateLimits(100, 10_000));

        SimHttp.Reply reply = http.openAi("""
                {"model":"gpt-4o-mini","max_completion_tokens":500,"messages":[{"role":"user","content":"cap"}]}""");

        int prompt = reply.json().at("/usage/prompt_tokens").asInt();
        assertThat(reply.json().at("/usage/completion_tokens").asInt()).isLessThan(500);
        assertThat(reply.header("x-ratelimit-remaining-tokens")).isEqualTo(Long.toString(10_000 - prompt - 500));
        assertThat(reply.header("x-ratelimit-limit-tokens")).isEqualTo("10000");
    }

    @Test
    void shouldCountTheActualOutputWhenAnOpenAiRequestSetsNoCap() {
        simulator.update(simulator.config().withRateLimits(100, 10_000));

        SimHttp.Reply reply = http.openAi(SimHttp.openAiBody("no cap"));

        long used = reply.json().at("/usage/total_tokens").asLong();
        assertThat(reply.header("x-ratelimit-remaining-tokens")).isEqualTo(Long.toString(10_000 - used));
    }

    @Test
    void shouldReserveAnthropicMaxTokensAsOutputAtAdmission() {
        simulator.update(simulator.config().withRateLimits(100, 10_000));

        SimHttp.Reply reply = http.anthropic(SimHttp.anthropicBody("reserve"));

        int input = reply.json().at("/usage/input_tokens").asInt();
        assertThat(reply.header("anthropic-ratelimit-tokens-remaining"))
                .isEqualTo(Long.toString(10_000 - input - 1024));
        assertThat(reply.header("anthropic-ratelimit-input-tokens-remaining")).isEqualTo(Long.toString(10_000 - input));
        assertThat(reply.header("anthropic-ratelimit-output-tokens-remaining")).isEqualTo(Long.toString(10_000 - 1024));
        assertThat(reply.header("anthropic-ratelimit-requests-remaining")).isEqualTo("99");
    }

    @Test
    void shouldSayHowManyTokensWereUsedAndRequestedInTheOpenAiTokens429() {
        simulator.update(simulator.config().withRateLimits(100, 1_500));
        String capped = """
                {"model":"gpt-4o-mini","max_tokens":1000,"messages":[{"role":"user","content":%s}]}""";
        SimHttp.Reply first = http.openAi(capped.formatted(SimHttp.quote("first")));
        long used = first.json().at("/usage/prompt_tokens").asLong() + 1000;

        SimHttp.Reply over = http.openAi(capped.formatted(SimHttp.quote("second")));

        // Cookbook accounting: 3 per message + content + 3 reply priming, then the cap.
        long requested = 3 + SimHttp.O200K.countTokens("second") + 3 + 1000;
        assertThat(over.status()).isEqualTo(429);
        assertThat(over.json().at("/error/type").asText()).isEqualTo("tokens");
        assertThat(over.json().at("/error/code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(over.json().at("/error/message").asText())
                .startsWith(
                        "Rate limit reached for gpt-4o-mini in organization org-sim on tokens per min (TPM): Limit 1500, Used "
                                + used + ", Requested " + requested + ". Please try again in 10s.");
        assertThat(over.header("x-ratelimit-remaining-tokens")).isEqualTo(Long.toString(1_500 - used));
        assertThat(over.header("x-ratelimit-remaining-requests")).isEqualTo("99");
        assertThat(over.header("x-ratelimit-reset-tokens")).isEqualTo("10s");
        assertThat(over.header("retry-after")).isEqualTo("10");
        assertThat(over.header("retry-after-ms")).isEqualTo("10000");
    }

    @Test
    void shouldRefuseARequestLargerThanAWholeMinutesTokens() {
        simulator.update(simulator.config().withRateLimits(100, 500));

        SimHttp.Reply reply = http.openAi("""
                {"model":"gpt-4o-mini","max_tokens":600,"messages":[{"role":"user","content":"big"}]}""");

        assertThat(reply.status()).isEqualTo(429);
        assertThat(reply.json().at("/error/message").asText())
                .startsWith(
                        "Request too large for gpt-4o-mini in organization org-sim on tokens per min (TPM): Limit 500, Requested ")
                .contains("The input or output tokens must be reduced");
        assertThat(reply.header("x-ratelimit-remaining-requests")).isEqualTo("100");
    }

    @Test
    void shouldAnswerAnthropicTokens429WithTheRealRemainingTokens() {
        simulator.update(simulator.config().withRateLimits(100, 2_000));
        SimHttp.Reply first = http.anthropic(SimHttp.anthropicBody("first"));

        SimHttp.Reply over = http.anthropic(SimHttp.anthropicBody("second"));

        long left = 2_000 - first.json().at("/usage/input_tokens").asLong() - 1024;
        assertThat(over.status()).isEqualTo(429);
        assertThat(over.json().at("/error/type").asText()).isEqualTo("rate_limit_error");
        assertThat(over.json().at("/error/message").asText()).contains("of 2000 tokens per minute");
        assertThat(over.header("anthropic-ratelimit-tokens-remaining")).isEqualTo(Long.toString(left));
        assertThat(over.header("anthropic-ratelimit-requests-remaining")).isEqualTo("99");
        assertThat(over.header("anthropic-ratelimit-tokens-reset")).isEqualTo("2026-01-05T12:01:00Z");
        assertThat(over.header("retry-after")).isEqualTo("10");
    }

    @Test
    void shouldCountLimit429sPerKeyApartFromInjected429s() {
        http.openAi(SimHttp.openAiBody("one"));
        http.openAi(SimHttp.openAiBody("two"));
        http.openAi(SimHttp.openAiBody("three"));
        http.anthropic(SimHttp.anthropicBody("forced"), "x-sim-fault", "429");

        SimStats stats = simulator.stats();
        JsonNode json = http.get("/sim/stats").json();

        assertThat(stats.responses(429)).isEqualTo(2);
        assertThat(stats.rateLimited()).isEqualTo(1);
        assertThat(stats.rateLimitedByKey()).containsOnlyKeys(OpenAiApi.mask(SimHttp.OPENAI_KEY));
        assertThat(stats.injectedFaults(429)).isEqualTo(1);
        assertThat(json.at("/rateLimitedByKey").toString()).contains("sk-te").doesNotContain(SimHttp.OPENAI_KEY);
        assertThat(json.at("/injectedFaultsByStatus/429").asLong()).isEqualTo(1);
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
