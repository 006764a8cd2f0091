package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OpenAiChatCompletionsTest {

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
    void shouldAnswerInTheChatCompletionShapeFieldByField() {
        long before = System.currentTimeMillis() / 1000;

        SimHttp.Reply reply = http.openAi(SimHttp.openAiBody("Summarise the plot of Hamlet."));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("content-type")).startsWith("application/json");
        JsonNode body = reply.json();
        assertThat(body.fieldNames())
                .toIterable()
                .containsExactly(
                        "id", "object", "created", "model", "choices", "usage", "service_tier", "system_fingerprint");
        assertThat(body.get("id").asText()).matches("chatcmpl-[A-Za-z0-9]{29}");
        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        assertThat(body.get("created").isIntegralNumber()).isTrue();
        assertThat(body.get("created").asLong()).isBetween(before, before + 60);
        assertThat(body.get("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(body.get("service_tier").asText()).isEqualTo("default");
        assertThat(body.get("system_fingerprint").asText()).matches("fp_[0-9a-f]{10}");

        assertThat(body.get("choices")).hasSize(1);
        JsonNode choice = body.get("choices").get(0);
        assertThat(choice.get("index").asInt()).isZero();
        assertThat(choice.get("finish_reason").asText()).isEqualTo("stop");
        JsonNode message = choice.get("message");
        assertThat(message.get("role").asText()).isEqualTo("assistant");
        assertThat(message.get("content").isTextual()).isTrue();
        assertThat(message.get("content").asText()).isNotBlank();
        assertThat(message.get("refusal").isNull()).isTrue();
    }

    @Test
    void shouldReportUsageAsO200kCountsThatAddUp() {
        SimHttp.Reply reply = http.openAi(SimHttp.openAiBody("Count my tokens, please."));

        JsonNode body = reply.json();
        JsonNode usage = body.get("usage");
        String content = body.at("/choices/0/message/content").asText();
        int completion = usage.get("completion_tokens").asInt();
        int prompt = usage.get("prompt_tokens").asInt();
        assertThat(completion).isEqualTo(SimHttp.O200K.countTokensOrdinary(content));
        // 3 per message plus 3 priming, on top of the message texts.
        int expectedPrompt = SimHttp.O200K.countTokens("You are terse.")
                + SimHttp.O200K.countTokens("Count my tokens, please.")
                + 3 * 2
                + 3;
        assertThat(prompt).isEqualTo(expectedPrompt);
        assertThat(usage.get("total_tokens").asInt()).isEqualTo(prompt + completion);
        assertThat(usage.at("/prompt_tokens_details/cached_tokens").asInt()).isZero();
        assertThat(usage.at("/completion_tokens_details/reasoning_tokens").asInt())
                .isZero();
        assertThat(completion).isBetween(TextGenerator.MIN_TARGET_TOKENS, TextGenerator.MAX_TARGET_TOKENS + 30);
    }

    @Test
    void shouldSendRequestIdProcessingTimeAndRateLimitHeaders() {
        SimHttp.Reply reply = http.openAi(SimHttp.openAiBody("headers"));

        assertThat(reply.header("x-request-id")).matches("req_[0-9a-f]{32}");
        assertThat(reply.header("openai-processing-ms")).matches("\\d+");
        assertThat(Long.parseLong(reply.header("x-ratelimit-limit-requests")))
                .isEqualTo(SimConfig.DEFAULT_REQUESTS_PER_MINUTE);
        assertThat(Long.parseLong(reply.header("x-ratelimit-limit-tokens")))
                .isEqualTo(SimConfig.DEFAULT_TOKENS_PER_MINUTE);
        assertThat(Long.parseLong(reply.header("x-ratelimit-remaining-requests")))
                .isLessThan(SimConfig.DEFAULT_REQUESTS_PER_MINUTE);
        assertThat(Long.parseLong(reply.header("x-ratelimit-remaining-tokens")))
                .isLessThan(SimConfig.DEFAULT_TOKENS_PER_MINUTE);
        String goDuration = "(\\d+h)?(\\d+m)?\\d+(\\.\\d+)?s|\\d+ms";
        assertThat(reply.header("x-ratelimit-reset-requests")).matches(goDuration);
        assertThat(reply.header("x-ratelimit-reset-tokens")).matches(goDuration);
    }

    @Test
    void shouldAnswerJsonObjectModeWithAJsonObject() {
        String request = """
                {"model":"gpt-4o","response_format":{"type":"json_object"},
                 "messages":[{"role":"user","content":"Reply in JSON with an answer."}]}""";

        SimHttp.Reply reply = http.openAi(request);

        assertThat(reply.status()).isEqualTo(200);
        String content = reply.json().at("/choices/0/message/content").asText();
        JsonNode parsed = new SimHttp.Reply(200, reply.headers(), content).json();
        assertThat(parsed.isObject()).isTrue();
        assertThat(parsed.get("response").isTextual()).isTrue();
    }

    @Test
    void shouldAnswerJsonSchemaModeWithConformingJson() {
        String request = """
                {"model":"gpt-4o","messages":[{"role":"user","content":"Classify this ticket."}],
                 "response_format":{"type":"json_schema","json_schema":{"name":"ticket","strict":true,"schema":{
                   "type":"object","additionalProperties":false,
                   "required":["title","priority","score","count","urgent","tags","owner","note"],
                   "properties":{
                     "title":{"type":"string"},
                     "priority":{"type":"string","enum":["low","medium","high"]},
                     "score":{"type":"number","minimum":0,"maximum":1},
                     "count":{"type":"integer","minimum":1,"maximum":5},
                     "urgent":{"type":"boolean"},
                     "tags":{"type":"array","items":{"type":"string"},"minItems":1,"maxItems":3},
                     "owner":{"type":"object","required":["name"],"properties":{"name":{"type":"string"}}},
                     "note":{"type":["string","null"]}}}}}}""";

        SimHttp.Reply reply = http.openAi(request);

        assertThat(reply.status()).isEqualTo(200);
        String content = reply.json().at("/choices/0/message/content").asText();
        JsonNode value = new SimHttp.Reply(200, reply.headers(), content).json();
        assertThat(value.fieldNames())
                .toIterable()
                .containsExactly("title", "priority", "score", "count", "urgent", "tags", "owner", "note");
        assertThat(value.get("title").isTextual()).isTrue();
        assertThat(value.get("priority").asText()).isIn("low", "medium", "high");
        assertThat(value.get("score").isNumber()).isTrue();
        assertThat(value.get("score").asDouble()).isBetween(0.0, 1.0);
        assertThat(value.get("count").isIntegralNumber()).isTrue();
        assertThat(value.get("count").asInt()).isBetween(1, 5);
        assertThat(value.get("urgent").isBoolean()).isTrue();
        assertThat(value.get("tags").isArray()).isTrue();
        assertThat(value.get("tags").size()).isBetween(1, 3);
        assertThat(value.get("tags").get(0).isTextual()).isTrue();
        assertThat(value.at("/owner/name").isTextual()).isTrue();
        assertThat(value.get("note").isTextual()).isTrue();
        assertThat(reply.json().at("/usage/completion_tokens").asInt())
                .isEqualTo(SimHttp.O200K.countTokensOrdinary(content));
    }

    @Test
    void shouldStopAtAStopSequenceWithFinishReasonStop() {
        String full = http.openAi(SimHttp.openAiBody("stop test"))
                .json()
                .at("/choices/0/message/content")
                .asText();
        String stop = full.split(" ")[3];
        String request = """
                {"model":"gpt-4o-mini","stop":[%s],"messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"stop test"}]}""".formatted(SimHttp.quote(stop));

        JsonNode body = http.openAi(request).json();

        String content = body.at("/choices/0/message/content").asText();
        assertThat(content).isEqualTo(full.substring(0, full.indexOf(stop)));
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void shouldAcceptContentPartsAndCountTheirText() {
        String request = """
                {"model":"gpt-4o-mini","messages":[{"role":"user","content":[{"type":"text","text":"Hello parts"}]}]}""";

        JsonNode body = http.openAi(request).json();

        assertThat(body.at("/usage/prompt_tokens").asInt()).isEqualTo(SimHttp.O200K.countTokens("Hello parts") + 3 + 3);
    }

    @Test
    void shouldRambleOnUntilTheCapWhenTheLastUserMessageAsksForALongOutput() {
        String request = """
                {"model":"gpt-4o-mini","max_completion_tokens":50000,"messages":[{"role":"user","content":"Go on [sim:long-output]"}]}""";

        JsonNode body = http.openAi(request).json();

        String content = body.at("/choices/0/message/content").asText();
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(body.at("/usage/completion_tokens").asInt()).isEqualTo(50_000);
        assertThat(SimHttp.O200K.countTokensOrdinary(content)).isEqualTo(50_000);
        assertThat(content.length()).isGreaterThan(150_000);
    }
}
