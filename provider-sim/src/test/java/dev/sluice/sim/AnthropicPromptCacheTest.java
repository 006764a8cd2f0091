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
class AnthropicPromptCacheTest {

    private static final long START = Instant.parse("2026-01-05T12:00:00Z").toEpochMilli();
    // About 1,500 o200k tokens: above Sonnet's 1,024 minimum, below Haiku 3.5's 2,048.
    private static final String LONG = SimHttp.longText("sluice", 500);
    private static final int LONG_TOKENS = SimHttp.O200K.countTokens(LONG);

    private final AtomicLong clock = new AtomicLong(START);
    private ProviderSimulator simulator;
    private SimHttp http;

    @BeforeEach
    void start() {
        simulator = ProviderSimulator.start(SimConfig.defaults(), clock::get);
        http = new SimHttp(simulator);
        assertThat(LONG_TOKENS).isBetween(1024, 2047);
    }

    @AfterEach
    void stop() {
        simulator.close();
    }

    @Test
    void shouldWriteALongPrefixFirstAndReadItNext() {
        JsonNode first = http.anthropic(cachedSystem("claude-sonnet-4-5", LONG, null, "First question?"))
                .json();
        JsonNode second = http.anthropic(cachedSystem("claude-sonnet-4-5", LONG, null, "Another question?"))
                .json();

        assertThat(first.at("/usage/cache_creation_input_tokens").asInt()).isEqualTo(LONG_TOKENS);
        assertThat(first.at("/usage/cache_creation/ephemeral_5m_input_tokens").asInt())
                .isEqualTo(LONG_TOKENS);
        assertThat(first.at("/usage/cache_read_input_tokens").asInt()).isZero();
        assertThat(first.at("/usage/input_tokens").asInt()).isEqualTo(SimHttp.O200K.countTokens("First question?"));
        assertThat(second.at("/usage/cache_read_input_tokens").asInt()).isEqualTo(LONG_TOKENS);
        assertThat(second.at("/usage/cache_creation_input_tokens").asInt()).isZero();
        assertThat(second.at("/usage/cache_creation/ephemeral_5m_input_tokens").asInt())
                .isZero();
        assertThat(second.at("/usage/input_tokens").asInt()).isEqualTo(SimHttp.O200K.countTokens("Another question?"));
        assertThat(simulator.stats().cacheWriteTokens()).isEqualTo(LONG_TOKENS);
        assertThat(simulator.stats().cacheReadTokens()).isEqualTo(LONG_TOKENS);
    }

    @Test
    void shouldLeaveTheTextAsItWasWhenThePrefixIsRead() {
        String body = cachedSystem("claude-sonnet-4-5", LONG, null, "Same question?");

        JsonNode written = http.anthropic(body).json();
        JsonNode read = http.anthropic(body).json();

        assertThat(read.at("/usage/cache_read_input_tokens").asInt()).isEqualTo(LONG_TOKENS);
        assertThat(read.at("/content/0/text").asText())
                .isEqualTo(written.at("/content/0/text").asText());
    }

    @Test
    void shouldNotCacheAPrefixBelowTheModelMinimum() {
        String haiku = cachedSystem("claude-3-5-haiku-20241022", LONG, null, "Q?");
        String shortPrefix = cachedSystem("claude-sonnet-4-5", "You are terse.", null, "Q?");
        http.anthropic(haiku);
        http.anthropic(shortPrefix);

        JsonNode haikuAgain = http.anthropic(haiku).json();
        JsonNode shortAgain = http.anthropic(shortPrefix).json();

        assertThat(haikuAgain.at("/usage/cache_read_input_tokens").asInt()).isZero();
        assertThat(haikuAgain.at("/usage/cache_creation_input_tokens").asInt()).isZero();
        assertThat(haikuAgain.at("/usage/input_tokens").asInt())
                .isEqualTo(LONG_TOKENS + SimHttp.O200K.countTokens("Q?"));
        assertThat(shortAgain.at("/usage/cache_read_input_tokens").asInt()).isZero();
        assertThat(shortAgain.at("/usage/cache_creation_input_tokens").asInt()).isZero();
    }

    @Test
    void shouldMissForADifferentPrefixModelOrApiKey() {
        http.anthropic(cachedSystem("claude-sonnet-4-5", LONG, null, "Q?"));

        JsonNode otherText = http.anthropic(cachedSystem("claude-sonnet-4-5", LONG + " changed", null, "Q?"))
                .json();
        JsonNode otherModel = http.anthropic(cachedSystem("claude-sonnet-4", LONG, null, "Q?"))
                .json();
        JsonNode otherKey = http.anthropicAs(
                        "sk-ant-another-key-42", cachedSystem("claude-sonnet-4-5", LONG, null, "Q?"))
                .json();

        for (JsonNode miss : List.of(otherText, otherModel, otherKey)) {
            assertThat(miss.at("/usage/cache_read_input_tokens").asInt()).isZero();
            assertThat(miss.at("/usage/cache_creation_input_tokens").asInt()).isGreaterThanOrEqualTo(LONG_TOKENS);
        }
    }

    @Test
    void shouldExpireFiveMinutesAfterTheLastWriteOrHit() {
        String body = cachedSystem("claude-sonnet-4-5", LONG, null, "Q?");
        http.anthropic(body);

        clock.addAndGet(Duration.ofMinutes(5).toMillis() - 1);
        int refreshed =
                http.anthropic(body).json().at("/usage/cache_read_input_tokens").asInt();
        clock.addAndGet(Duration.ofMinutes(5).toMillis() - 1);
        int stillThere =
                http.anthropic(body).json().at("/usage/cache_read_input_tokens").asInt();
        clock.addAndGet(Duration.ofMinutes(5).toMillis());
        JsonNode expired = http.anthropic(body).json();

        assertThat(refreshed).isEqualTo(LONG_TOKENS);
        assertThat(stillThere).as("the hit refreshed the TTL").isEqualTo(LONG_TOKENS);
        assertThat(expired.at("/usage/cache_read_input_tokens").asInt()).isZero();
        assertThat(expired.at("/usage/cache_creation_input_tokens").asInt()).isEqualTo(LONG_TOKENS);
    }

    @Test
    void shouldKeepAOneHourPrefixAnHourAndReportItsWriteApart() {
        String body = cachedSystem("claude-sonnet-4-5", LONG, "1h", "Q?");

        JsonNode written = http.anthropic(body).json();
        clock.addAndGet(Duration.ofMinutes(59).toMillis());
        JsonNode read = http.anthropic(body).json();

        assertThat(written.at("/usage/cache_creation/ephemeral_1h_input_tokens").asInt())
                .isEqualTo(LONG_TOKENS);
        assertThat(written.at("/usage/cache_creation/ephemeral_5m_input_tokens").asInt())
                .isZero();
        assertThat(read.at("/usage/cache_read_input_tokens").asInt()).isEqualTo(LONG_TOKENS);
    }

    @Test
    void shouldReadTheEarlierTurnsOfAGrowingConversation() {
        String turn1 = conversation(List.of(block(LONG, true)));
        String turn2 = conversation(List.of(block(LONG, true)), "Noted.", List.of(block("Next question?", true)));
        // No breakpoint on the earlier turns any more: found by looking back from the last breakpoint.
        String turn3 = conversation(
                List.of(block(LONG, false)),
                "Noted.",
                List.of(block("Next question?", false)),
                "Answer.",
                List.of(block("Third?", true)));

        JsonNode first = http.anthropic(turn1).json();
        JsonNode second = http.anthropic(turn2).json();
        JsonNode third = http.anthropic(turn3).json();

        assertThat(first.at("/usage/cache_creation_input_tokens").asInt()).isEqualTo(LONG_TOKENS);
        assertThat(first.at("/usage/input_tokens").asInt()).isZero();
        assertThat(second.at("/usage/cache_read_input_tokens").asInt()).isEqualTo(LONG_TOKENS);
        assertThat(second.at("/usage/cache_creation_input_tokens").asInt())
                .isEqualTo(tokens("Noted.") + tokens("Next question?"));
        assertThat(third.at("/usage/cache_read_input_tokens").asInt())
                .isEqualTo(LONG_TOKENS + tokens("Noted.") + tokens("Next question?"));
        assertThat(third.at("/usage/cache_creation_input_tokens").asInt())
                .isEqualTo(tokens("Answer.") + tokens("Third?"));
        assertThat(third.at("/usage/input_tokens").asInt()).isZero();
    }

    @Test
    void shouldLookBackTwentyBlocksAndNoFurther() {
        http.anthropic(conversation(List.of(block(LONG, true))));

        // Beyond first: the prefix it writes ends at its own breakpoint, which the other request does not share.
        JsonNode beyond = http.anthropic(conversation(blocksAfterLong(20))).json();
        JsonNode within = http.anthropic(conversation(blocksAfterLong(19))).json();

        assertThat(within.at("/usage/cache_read_input_tokens").asInt()).isEqualTo(LONG_TOKENS);
        assertThat(beyond.at("/usage/cache_read_input_tokens").asInt()).isZero();
    }

    @Test
    void shouldPutATopLevelBreakpointOnTheLastBlock() {
        String body = """
                {"model":"claude-sonnet-4-5","max_tokens":100,"cache_control":{"type":"ephemeral"},"system":%s,
                 "messages":[{"role":"user","content":"Q?"}]}""".formatted(SimHttp.quote(LONG));

        JsonNode written = http.anthropic(body).json();
        JsonNode read = http.anthropic(body).json();

        assertThat(written.at("/usage/cache_creation_input_tokens").asInt()).isEqualTo(LONG_TOKENS + tokens("Q?"));
        assertThat(read.at("/usage/cache_read_input_tokens").asInt()).isEqualTo(LONG_TOKENS + tokens("Q?"));
        assertThat(read.at("/usage/input_tokens").asInt()).isZero();
    }

    @Test
    void shouldReportTheSameCacheUsageInAStream() {
        String body = cachedSystem("claude-sonnet-4-5", LONG, null, "Stream?");
        http.anthropic(body);

        List<SimHttp.SseEvent> events =
                SimHttp.sse(http.anthropic(body.replace("{\"model\"", "{\"stream\":true,\"model\""))
                        .body());

        JsonNode start = events.stream()
                .filter(e -> "message_start".equals(e.event()))
                .findFirst()
                .orElseThrow()
                .json();
        JsonNode delta = events.stream()
                .filter(e -> "message_delta".equals(e.event()))
                .findFirst()
                .orElseThrow()
                .json();
        assertThat(start.at("/message/usage/cache_read_input_tokens").asInt()).isEqualTo(LONG_TOKENS);
        assertThat(start.at("/message/usage/input_tokens").asInt()).isEqualTo(tokens("Stream?"));
        assertThat(delta.at("/usage/cache_read_input_tokens").asInt()).isEqualTo(LONG_TOKENS);
        assertThat(delta.at("/usage/cache_creation_input_tokens").asInt()).isZero();
        assertThat(delta.at("/usage/input_tokens").asInt()).isEqualTo(tokens("Stream?"));
    }

    @Test
    void shouldReportNoCacheUseWhenPromptCacheIsOff() {
        simulator.update(simulator.config().withPromptCache(false));
        String body = cachedSystem("claude-sonnet-4-5", LONG, null, "Q?");

        http.anthropic(body);
        JsonNode again = http.anthropic(body).json();

        assertThat(again.at("/usage/cache_read_input_tokens").asInt()).isZero();
        assertThat(again.at("/usage/cache_creation_input_tokens").asInt()).isZero();
        assertThat(again.at("/usage/input_tokens").asInt()).isEqualTo(LONG_TOKENS + tokens("Q?"));
    }

    private static String cachedSystem(String model, String system, String ttl, String question) {
        String cacheControl =
                ttl == null ? "{\"type\":\"ephemeral\"}" : "{\"type\":\"ephemeral\",\"ttl\":\"" + ttl + "\"}";
        return """
                {"model":%s,"max_tokens":100,
                 "system":[{"type":"text","text":%s,"cache_control":%s}],
                 "messages":[{"role":"user","content":%s}]}""".formatted(SimHttp.quote(model), SimHttp.quote(system), cacheControl, SimHttp.quote(question));
    }

    private static String block(String text, boolean breakpoint) {
        return "{\"type\":\"text\",\"text\":" + SimHttp.quote(text)
                + (breakpoint ? ",\"cache_control\":{\"type\":\"ephemeral\"}" : "") + "}";
    }

    /** The long block, then {@code count} short blocks with a breakpoint on the last, in one user message. */
    private static List<String> blocksAfterLong(int count) {
        List<String> blocks = new java.util.ArrayList<>(List.of(block(LONG, false)));
        for (int i = 1; i <= count; i++) {
            blocks.add(block("note " + i, i == count));
        }
        return blocks;
    }

    /** Alternating user (block lists) and assistant (strings) turns, starting and ending with the user. */
    private static String conversation(Object... turns) {
        StringBuilder messages = new StringBuilder();
        for (Object turn : turns) {
            messages.append(messages.isEmpty() ? "" : ",");
            if (turn instanceof List<?> blocks) {
                messages.append("{\"role\":\"user\",\"content\":[")
                        .append(String.join(
                                ",", blocks.stream().map(String::valueOf).toList()))
                        .append("]}");
            } else {
                messages.append("{\"role\":\"assistant\",\"content\":")
                        .append(SimHttp.quote((String) turn))
                        .append("}");
            }
        }
        return "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100,\"messages\":[" + messages + "]}";
    }

    private static int tokens(String text) {
        return SimHttp.O200K.countTokens(text);
    }
}
