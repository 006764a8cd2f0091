package dev.sluice.sink.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.model.Attempt;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.Usage;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ResultPayloadTest {
    private static final Instant T = Instant.parse("2026-11-22T12:00:00Z");

    @Test
    void shouldWrapTheResultInATypedEnvelopeWithIntegerMoneyAndEmbeddedJson() throws Exception {
        LlmResult result = LlmResult.forRequest(LlmRequest.of("r-1", "acme", "q", T))
                .status(ResultStatus.SUCCEEDED)
                .output("{\"a\":1}")
                .outputJson("{\"a\":1}")
                .provider("openai")
                .model("gpt-4.1-mini")
                .usage(new Usage(10, 5, 2, 0))
                .costMicros(17)
                .addAttempt(new Attempt("openai", "gpt-4.1-mini", "ok", 200, 42, T))
                .injectionFlagged(true)
                .completedAt(T.plusSeconds(1))
                .build();

        JsonNode json = new ObjectMapper().readTree(ResultPayload.json(result));

        assertThat(json.path("type").asText()).isEqualTo("llm.result.succeeded");
        assertThat(json.path("timestamp").asText()).isEqualTo("2026-11-22T12:00:01Z");
        JsonNode data = json.path("data");
        assertThat(data.path("requestId").asText()).isEqualTo("r-1");
        assertThat(data.path("costMicros").isIntegralNumber()).isTrue();
        assertThat(data.path("costMicros").asLong()).isEqualTo(17);
        assertThat(data.path("outputJson").path("a").asInt()).isEqualTo(1);
        assertThat(data.path("usage").path("cachedInputTokens").asLong()).isEqualTo(2);
        assertThat(data.path("attempts").get(0).path("httpStatus").asInt()).isEqualTo(200);
        assertThat(data.path("error").isNull()).isTrue();
        assertThat(data.path("injectionFlagged").asBoolean()).isTrue();
    }

    @Test
    void shouldCarryTheReasonOfARejection() throws Exception {
        LlmResult rejected =
                LlmResult.rejected(LlmRequest.of("r-2", "acme", "q", T), "EMPTY_MESSAGES", "messages is empty", T);

        JsonNode json = new ObjectMapper().readTree(ResultPayload.json(rejected));

        assertThat(json.path("type").asText()).isEqualTo("llm.result.rejected");
        assertThat(json.path("data").path("error").path("code").asText()).isEqualTo("EMPTY_MESSAGES");
        assertThat(json.path("data").path("output").isNull()).isTrue();
    }
}
