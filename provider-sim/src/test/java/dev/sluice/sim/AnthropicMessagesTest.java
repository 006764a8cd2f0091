package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AnthropicMessagesTest {

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

    @Test
    void shouldAnswerInTheMessageShapeFieldByField() {
        SimHttp.Reply reply = http.anthropic(SimHttp.anthropicBody("Write a haiku about rivers."));

        assertThat(reply.status()).isEqualTo(200);
        JsonNode body = reply.json();
        assertThat(body.fieldNames())
                .toIterable()
                .containsExactly("id", "type", "role", "model", "content", "stop_reason", "stop_sequence", "usage");
        assertThat(body.get("id").asText()).matches("msg_01[A-Za-z0-9]{22}");
        assertThat(body.get("type").asText()).isEqualTo("message");
        assertThat(body.get("role").asText()).isEqualTo("assistant");
        assertThat(body.get("model").asText()).isEqualTo("claude-sonnet-4-5");
        assertThat(body.get("content")).hasSize(1);
        assertThat(body.at("/content/0/type").asText()).isEqualTo("text");
        assertThat(body.at("/content/0/text").asText()).isNotBlank();
        assertThat(body.get("stop_reason").asText()).isEqualTo("end_turn");
        assertThat(body.get("stop_sequence").isNull()).isTrue();

        JsonNode usage = body.get("usage");
        assertThat(usage.fieldNames())
                .toIterable()
                .containsExactly(
                        "input_tokens",
                        "output_tokens",
                        "cache_creation_input_tokens",
                        "cache_read_input_tokens",
                        "cache_creation",
                        "service_tier");
        assertThat(usage.get("cache_creation_input_tokens").asInt()).isZero();
        assertThat(usage.get("cache_read_input_tokens").asInt()).isZero();
        assertThat(usage.at("/cache_creation/ephemeral_5m_input_tokens").asInt())
                .isZero();
        assertThat(usage.at("/cache_creation/ephemeral_1h_input_tokens").asInt())
                .isZero();
        assertThat(usage.get("service_tier").asText()).isEqualTo("standard");
    }

    @Test
    void shouldCountInputAndOutputTokensWithO200k() {
        String request = """
                {"model":"claude-haiku-4-5","max_tokens":500,
                 "system":[{"type":"text","text":"You are a careful assistant.","cache_control":{"type":"ephemeral","ttl":"1h"}}],
                 "messages":[{"role":"user","content":[{"type":"text","text":"First question?"}]},
                             {"role":"assistant","content":"First answer."},
                             {"role":"user","content":"Second question?"}]}""";

        JsonNode body = http.anthropic(request).json();

        int expectedInput = SimHttp.O200K.countTokens("You are a careful assistant.")
                + SimHttp.O200K.countTokens("First question?")
                + SimHttp.O200K.countTokens("First answer.")
                + SimHttp.O200K.countTokens("Second question?");
        assertThat(body.at("/usage/input_tokens").asInt()).isEqualTo(expectedInput);
        assertThat(body.at("/usage/output_tokens").asInt())
                .isEqualTo(SimHttp.O200K.countTokensOrdinary(
                        body.at("/content/0/text").asText()));
    }

    @Test
    void shouldSendRequestIdAndRateLimitHeadersWithRfc3339Resets() {
        SimHttp.Reply reply = http.anthropic(SimHttp.anthropicBody("headers"));

        assertThat(reply.header("request-id")).matches("req_01[A-Za-z0-9]{22}");
        for (String kind : new String[] {"requests", "tokens", "input-tokens", "output-tokens"}) {
            String prefix = "anthropic-ratelimit-" + kind;
            assertThat(reply.header(prefix + "-limit")).as(prefix + "-limit").matches("\\d+");
            assertThat(Long.parseLong(reply.header(prefix + "-remaining")))
                    .isLessThan(Long.parseLong(reply.header(prefix + "-limit")));
            assertThat(reply.header(prefix + "-reset")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
            assertThat(Instant.parse(reply.header(prefix + "-reset")))
                    .isAfter(Instant.now().minusSeconds(1));
        }
    }

    @Test
    void shouldEndAtAStopSequenceAndNameIt() {
        String full = http.anthropic(SimHttp.anthropicBody("stop sequence test"))
                .json()
                .at("/content/0/text")
                .asText();
        String stop = full.split(" ")[2];
        String request = """
                {"model":"claude-sonnet-4-5","max_tokens":1024,"stop_sequences":[%s],
                 "messages":[{"role":"user","content":"stop sequence test"}]}""".formatted(SimHttp.quote(stop));

        JsonNode body = http.anthropic(request).json();

        assertThat(body.at("/content/0/text").asText()).isEqualTo(full.substring(0, full.indexOf(stop)));
        assertThat(body.get("stop_reason").asText()).isEqualTo("stop_sequence");
        assertThat(body.get("stop_sequence").asText()).isEqualTo(stop);
    }
}
