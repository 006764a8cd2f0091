package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A fresh simulator per test, so no test reads what another one wrote; TTLs run on a hand-moved clock. */
class OpenAiPromptCacheTest {

    private static final long START = Instant.parse("2026-01-05T12:00:00Z").toEpochMilli();
    private static final String SYSTEM = SimHttp.longText("sluice", 500); // about 1,500 tokens
    private static final String TAIL_A = SimHttp.longText("harbor", 300); // about 600 tokens
    private static final String TAIL_B = SimHttp.longText("river", 300);

    private final AtomicLong clock = new AtomicLong(START);
    private ProviderSimulator simulator;
    private SimHttp http;

    @BeforeEach
    void start() {
        simulator = ProviderSimulator.start(SimConfig.defaults(), clock::get);
        http = new SimHttp(simulator);
    }

    @AfterEach
    void stop() {
        simulator.close();
    }

    @Test
    void shouldReportTheRepeatedPrefixInStepsOf128AndKeepPromptTokensWhole() {
        String body = chat(SYSTEM, TAIL_A, "");

        JsonNode first = http.openAi(body).json();
        JsonNode second = http.openAi(body).json();

        int prompt = first.at("/usage/prompt_tokens").asInt();
        assertThat(prompt).isGreaterThan(2_000);
        assertThat(first.at("/usage/prompt_tokens_details/cached_tokens").asInt())
                .isZero();
        assertThat(second.at("/usage/prompt_tokens").asInt()).isEqualTo(prompt);
        assertThat(second.at("/usage/prompt_tokens_details/cached_tokens").asInt())
                .isEqualTo(1024 + (prompt - 1024) / 128 * 128);
        assertThat(second.at("/usage/total_tokens").asInt())
                .isEqualTo(prompt + second.at("/usage/completion_tokens").asInt());
        assertThat(second.at("/choices/0/message/content").asText())
                .isEqualTo(first.at("/choices/0/message/content").asText());
        assertThat(simulator.stats().cacheReadTokens()).isEqualTo(1024 + (prompt - 1024) / 128 * 128);
    }

    @Test
    void shouldReadOnlyTheSharedPrefixWhenTheTailDiffers() {
        http.openAi(chat(SYSTEM, TAIL_A, ""));

        JsonNode other = http.openAi(chat(SYSTEM, TAIL_B, "")).json();

        // Shared: the system message (3 role tokens + content) and the user message's 3 role tokens.
        int shared = 3 + SimHttp.O200K.countTokens(SYSTEM) + 3;
        assertThat(other.at("/usage/prompt_tokens_details/cached_tokens").asInt())
                .isEqualTo(1024 + (shared - 1024) / 128 * 128)
                .isLessThan(other.at("/usage/prompt_tokens").asInt() - 128);
    }

    @Test
    void shouldNeverCacheAPromptUnder1024Tokens() {
        String body = chat("You are terse.", "Short question.", "");
        http.openAi(body);

        JsonNode again = http.openAi(body).json();

        assertThat(again.at("/usage/prompt_tokens").asInt()).isLessThan(1024);
        assertThat(again.at("/usage/prompt_tokens_details/cached_tokens").asInt())
                .isZero();
    }

    @Test
    void shouldMissForADifferentFirstMessageModelOrApiKey() {
        http.openAi(chat(SYSTEM, TAIL_A, ""));

        JsonNode otherStart =
                http.openAi(chat("Changed first. " + SYSTEM, TAIL_A, "")).json();
        JsonNode otherModel = http.openAi(chat(SYSTEM, TAIL_A, "").replace("gpt-4o-mini", "gpt-4.1"))
                .json();
        JsonNode otherKey =
                http.openAiAs("sk-another-key-000042", chat(SYSTEM, TAIL_A, "")).json();

        for (JsonNode miss : List.of(otherStart, otherModel, otherKey)) {
            assertThat(miss.at("/usage/prompt_tokens_details/cached_tokens").asInt())
                    .isZero();
        }
    }

    @Test
    void shouldForgetAPrefixFiveMinutesAfterItsLastUse() {
        String body = chat(SYSTEM, TAIL_A, "");
        http.openAi(body);

        clock.addAndGet(Duration.ofMinutes(5).toMillis() - 1);
        int refreshed = cached(http.openAi(body));
        clock.addAndGet(Duration.ofMinutes(5).toMillis());
        int expired = cached(http.openAi(body));

        assertThat(refreshed).isPositive();
        assertThat(expired).isZero();
    }

    @Test
    void shouldKeepAPrefixADayWithExtendedRetention() {
        String body = chat(SYSTEM, TAIL_A, ",\"prompt_cache_retention\":\"24h\"");
        http.openAi(body);

        clock.addAndGet(Duration.ofHours(23).toMillis());

        assertThat(cached(http.openAi(body))).isPositive();
    }

    @Test
    void shouldRejectAnUnknownCacheRetention() {
        SimHttp.Reply reply = http.openAi(chat("s", "u", ",\"prompt_cache_retention\":\"forever\""));

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().at("/error/param").asText()).isEqualTo("prompt_cache_retention");
    }

    @Test
    void shouldReportCachedTokensInTheStreamUsageChunk() {
        String body = chat(SYSTEM, TAIL_A, "");
        int expected = cached(http.openAi(body)) + cached(http.openAi(body));

        String stream =
                body.replace("{\"model\"", "{\"stream\":true,\"stream_options\":{\"include_usage\":true},\"model\"");
        List<SimHttp.SseEvent> events = SimHttp.sse(http.openAi(stream).body());

        JsonNode usage = events.get(events.size() - 2).json().get("usage");
        assertThat(expected).isPositive();
        assertThat(usage.at("/prompt_tokens_details/cached_tokens").asInt()).isEqualTo(expected);
    }

    @Test
    void shouldReportNoCachedTokensWhenPromptCacheIsOff() {
        simulator.update(simulator.config().withPromptCache(false));
        String body = chat(SYSTEM, TAIL_A, "");

        http.openAi(body);

        assertThat(cached(http.openAi(body))).isZero();
    }

    private static String chat(String system, String user, String extraFields) {
        return """
                {"model":"gpt-4o-mini"%s,"messages":[{"role":"system","content":%s},{"role":"user","content":%s}]}""".formatted(extraFields, SimHttp.quote(system), SimHttp.quote(user));
    }

    private static int cached(SimHttp.Reply reply) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json().at("/usage/prompt_tokens_details/cached_tokens").asInt();
    }
}
