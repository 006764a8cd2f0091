package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DeterminismTest {

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
    void shouldReturnByteIdenticalOpenAiContentForTheSameRequest() {
        String first = openAiContent(SimHttp.openAiBody("Explain Kafka in one paragraph."));
        String second = openAiContent(SimHttp.openAiBody("Explain Kafka in one paragraph."));

        assertThat(second).isEqualTo(first);
    }

    @Test
    void shouldReturnTheSameContentFromAFreshSimulatorWithAnotherSeed() {
        String here = openAiContent(SimHttp.openAiBody("Same text across restarts."));
        try (ProviderSimulator other =
                ProviderSimulator.start(SimConfig.defaults().withSeed(7))) {
            String there = new SimHttp(other)
                    .openAi(SimHttp.openAiBody("Same text across restarts."))
                    .json()
                    .at("/choices/0/message/content")
                    .asText();

            assertThat(there).isEqualTo(here);
        }
    }

    @Test
    void shouldReturnDifferentOpenAiContentForADifferentPrompt() {
        String first = openAiContent(SimHttp.openAiBody("Explain Kafka in one paragraph."));
        String other = openAiContent(SimHttp.openAiBody("Explain Pulsar in one paragraph."));

        assertThat(other).isNotEqualTo(first);
    }

    @Test
    void shouldReturnDifferentContentForADifferentModel() {
        String mini = openAiContent(SimHttp.openAiBody("model matters"));
        String full = openAiContent(SimHttp.openAiBody("model matters").replace("gpt-4o-mini", "gpt-4.1"));

        assertThat(full).isNotEqualTo(mini);
    }

    @Test
    void shouldCutOpenAiOutputAtMaxCompletionTokensWithFinishReasonLength() {
        String request = SimHttp.openAiBody("Explain Kafka in one paragraph.")
                .replace("{\"model\"", "{\"max_completion_tokens\":7,\"model\"");
        String full = openAiContent(SimHttp.openAiBody("Explain Kafka in one paragraph."));

        JsonNode body = http.openAi(request).json();

        String content = body.at("/choices/0/message/content").asText();
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(body.at("/usage/completion_tokens").asInt())
                .isLessThanOrEqualTo(7)
                .isPositive()
                .isEqualTo(SimHttp.O200K.countTokensOrdinary(content));
        assertThat(full).startsWith(content);
    }

    @Test
    void shouldHonourDeprecatedMaxTokensToo() {
        String request = SimHttp.openAiBody("legacy cap").replace("{\"model\"", "{\"max_tokens\":3,\"model\"");

        JsonNode body = http.openAi(request).json();

        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(body.at("/usage/completion_tokens").asInt()).isLessThanOrEqualTo(3);
    }

    @Test
    void shouldReturnIdenticalAnthropicTextForTheSameRequestAndDifferentForAnother() {
        String first = anthropicText(SimHttp.anthropicBody("Tell me about sluice gates."));
        String again = anthropicText(SimHttp.anthropicBody("Tell me about sluice gates."));
        String other = anthropicText(SimHttp.anthropicBody("Tell me about lock gates."));

        assertThat(again).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
    }

    @Test
    void shouldCutAnthropicOutputAtMaxTokensWithStopReasonMaxTokens() {
        String full = anthropicText(SimHttp.anthropicBody("Tell me about sluice gates."));
        String request =
                SimHttp.anthropicBody("Tell me about sluice gates.").replace("\"max_tokens\":1024", "\"max_tokens\":5");

        JsonNode body = http.anthropic(request).json();

        String text = body.at("/content/0/text").asText();
        assertThat(body.get("stop_reason").asText()).isEqualTo("max_tokens");
        assertThat(body.at("/usage/output_tokens").asInt())
                .isLessThanOrEqualTo(5)
                .isPositive()
                .isEqualTo(SimHttp.O200K.countTokensOrdinary(text));
        assertThat(full).startsWith(text);
    }

    @Test
    void shouldKeepJsonSchemaOutputStableForTheSameSchema() {
        String request = """
                {"model":"gpt-4o","messages":[{"role":"user","content":"Extract."}],
                 "response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object",
                   "properties":{"a":{"type":"string"},"b":{"type":"integer"}},"required":["a","b"]}}}}""";

        assertThat(openAiContent(request)).isEqualTo(openAiContent(request));
    }

    private static String openAiContent(String request) {
        SimHttp.Reply reply = http.openAi(request);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json().at("/choices/0/message/content").asText();
    }

    private static String anthropicText(String request) {
        SimHttp.Reply reply = http.anthropic(request);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json().at("/content/0/text").asText();
    }
}
