package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AnswersTest {
    private static final ObjectMapper JSON = new ObjectMapper();
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
    void shouldAnswerTheKeyOrANearMissOverTheWireOfBothProtocols() {
        for (int i = 0; i < 20; i++) {
            String prompt = "What is 40 + " + i + "? [sim:expect]" + (40 + i) + "[/sim:expect]";
            boolean knows = Answers.knows("gpt-4o-mini", prompt, 1);
            String openAi = http.openAi(SimHttp.openAiBody(prompt))
                    .json()
                    .at("/choices/0/message/content")
                    .asText();
            assertThat(openAi).isEqualTo(Integer.toString(knows ? 40 + i : 41 + i));

            boolean claudeKnows = Answers.knows("claude-sonnet-4-5", prompt, 1);
            String anthropic = http.anthropic(
                            SimHttp.anthropicBody(prompt).replace("claude-haiku-4-5", "claude-sonnet-4-5"))
                    .json()
                    .at("/content/0/text")
                    .asText();
            assertThat(anthropic).isEqualTo(Integer.toString(claudeKnows ? 40 + i : 41 + i));
        }
    }

    @Test
    void shouldAnswerTheSameOnEveryRun() {
        String body = SimHttp.openAiBody("Capital of France? [sim:expect d=3]Paris[/sim:expect]");
        String first = http.openAi(body).json().at("/choices/0/message/content").asText();
        for (int i = 0; i < 3; i++) {
            assertThat(http.openAi(body).json().at("/choices/0/message/content").asText())
                    .isEqualTo(first);
        }
    }

    @Test
    void shouldKnowLessOnSmallModelsAndHardQuestions() {
        assertThat(rightOf("gpt-4.1-nano", 1)).isBetween(0.85, 0.95);
        assertThat(rightOf("gpt-4.1-nano", 5)).isBetween(0.52, 0.66);
        assertThat(rightOf("claude-opus-4-5", 5)).isBetween(0.92, 0.98);
        assertThat(rightOf("gpt-4.1-nano", 5)).isLessThan(rightOf("gpt-4.1-mini", 5));
    }

    @Test
    void shouldJudgeAnAnswerByWhetherItHoldsTheKey() throws Exception {
        String question = "<question>Capital of France? [sim:expect]Paris[/sim:expect]</question>\n";
        JsonNode pass = JSON.readTree(http.openAi(SimHttp.openAiBody(question + "<answer>It is paris.</answer>"))
                .json()
                .at("/choices/0/message/content")
                .asText());
        JsonNode fail = JSON.readTree(http.openAi(SimHttp.openAiBody(question + "<answer>Lyon</answer>"))
                .json()
                .at("/choices/0/message/content")
                .asText());

        assertThat(pass.get("pass").asBoolean()).isTrue();
        assertThat(pass.get("score").asDouble()).isEqualTo(1.0);
        assertThat(fail.get("pass").asBoolean()).isFalse();
        assertThat(fail.get("score").asDouble()).isEqualTo(0.0);
    }

    @Test
    void shouldReadTheKeyAndItsDifficulty() {
        assertThat(Answers.key("x [sim:expect d=4]{\"a\":[1]}[/sim:expect] y"))
                .contains(new Answers.Key("{\"a\":[1]}", 4));
        assertThat(Answers.key("[sim:expect]42[/sim:expect]")).contains(new Answers.Key("42", 1));
        assertThat(Answers.key("[sim:expect d=9]42[/sim:expect]")).contains(new Answers.Key("42", 5));
        assertThat(Answers.key("[sim:expect]unclosed")).isEmpty();
        assertThat(Answers.key("plain")).isEmpty();
    }

    @Test
    void shouldLeaveMessagesWithoutAKeyToTheUsualProse() {
        String content = http.openAi(SimHttp.openAiBody("Tell me about rivers."))
                .json()
                .at("/choices/0/message/content")
                .asText();

        assertThat(content.split(" ").length).isGreaterThan(5);
    }

    private static double rightOf(String model, int difficulty) {
        return IntStream.range(0, 4000)
                        .filter(i -> Answers.knows(model, "question " + i, difficulty))
                        .count()
                / 4000.0;
    }
}
