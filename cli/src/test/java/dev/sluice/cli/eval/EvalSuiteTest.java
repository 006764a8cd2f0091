package dev.sluice.cli.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.model.Message;
import dev.sluice.model.ResponseFormat;
import dev.sluice.model.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalSuiteTest {

    @Test
    void shouldReadAYamlSuiteWithDefaultsMessagesAndFormats() throws Exception {
        EvalSuite suite = EvalSuite.fromYaml("""
                name: triage
                defaults: {maxOutputTokens: 64, category: routing}
                cases:
                  - id: one
                    input: Which team?
                    system: Answer in one word.
                    grader: {type: exact, expected: billing}
                  - id: two
                    category: extraction
                    temperature: 0.5
                    messages:
                      - {role: user, content: "Order 12?"}
                      - {role: assistant, content: "Which order?"}
                      - {role: user, content: The last one}
                    responseFormat: json
                    grader: {type: json}
                  - id: three
                    input: x
                    responseFormat: {jsonSchema: {type: object}, name: ticket}
                    grader: {type: judge, model: gpt-4.1, criteria: Is polite}
                """, "file", "triage.yaml");

        assertThat(suite.name()).isEqualTo("triage");
        EvalSuite.Case one = suite.cases().get(0);
        assertThat(one.messages()).containsExactly(Message.system("Answer in one word."), Message.user("Which team?"));
        assertThat(one.category()).isEqualTo("routing");
        assertThat(one.maxOutputTokens()).isEqualTo(64);
        assertThat(one.temperature()).isZero();
        assertThat(one.responseFormat()).isNull();
        EvalSuite.Case two = suite.cases().get(1);
        assertThat(two.category()).isEqualTo("extraction");
        assertThat(two.temperature()).isEqualTo(0.5);
        assertThat(two.messages()).extracting(Message::role).containsExactly(Role.USER, Role.ASSISTANT, Role.USER);
        assertThat(two.question()).isEqualTo("The last one");
        assertThat(two.responseFormat().type()).isEqualTo(ResponseFormat.Type.JSON);
        assertThat(suite.cases().get(2).responseFormat())
                .isEqualTo(new ResponseFormat(ResponseFormat.Type.JSON_SCHEMA, "{\"type\":\"object\"}", "ticket"));
        assertThat(suite.cases().get(2).grader()).isEqualTo(new Grader.Judge("gpt-4.1", "Is polite", null));
    }

    @Test
    void shouldReadJsonlNamedAfterItsFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("math-basics.jsonl");
        Files.writeString(file, """
                {"id":"add","category":"arithmetic","input":"2+2?","grader":{"type":"numeric","expected":4}}

                {"input":"3*3?","grader":{"type":"numeric","expected":9}}
                """);

        EvalSuite suite = EvalSuite.read(file);

        assertThat(suite.name()).isEqualTo("math-basics");
        assertThat(suite.cases()).extracting(EvalSuite.Case::id).containsExactly("add", "case-2");
        assertThat(suite.cases().get(1).category()).isEqualTo("default");
        assertThat(suite.cases().get(0).maxOutputTokens()).isEqualTo(EvalSuite.DEFAULT_MAX_OUTPUT_TOKENS);
    }

    @Test
    void shouldListEveryProblemWithItsPlaceAndReadNothing() {
        assertThatThrownBy(() -> EvalSuite.fromYaml("""
                name: bad name!
                colour: blue
                cases:
                  - id: a
                    grader: {type: exact, expected: x}
                  - id: a
                    input: y
                    messages: [{role: user, content: z}]
                    grader: {type: exact, expected: x}
                  - id: c
                    messages: [{role: robot, content: z}]
                    maxOutputTokens: 0
                    temperature: 3
                    grader: {type: nope}
                  - id: d
                    input: q
                    grader: {type: exact, expected: x}
                  - id: d
                    input: q
                    grader: {type: exact, expected: x}
                  - id: e
                    category: written answers
                    input: q
                    grader: {type: exact, expected: x}
                """, "f", "bad.yaml"))
                .isInstanceOf(EvalSuite.Invalid.class)
                .hasMessageStartingWith("bad.yaml: 11 problems:")
                .hasMessageContaining("cases[5].category: 'written answers' must be 1 to 100 letters")
                .hasMessageContaining("colour: unknown field")
                .hasMessageContaining("name: 'bad name!' must be")
                .hasMessageContaining(
                        "cases[0]: give the question as input (text) or messages (a list), one of the two")
                .hasMessageContaining("cases[1]: give the question as input")
                .hasMessageContaining("cases[2].messages[0].role: 'robot' is not system, user or assistant")
                .hasMessageContaining("cases[2].messages: needs a user message")
                .hasMessageContaining("cases[2].maxOutputTokens: must be a positive whole number")
                .hasMessageContaining("cases[2].temperature: must be from 0 to 2")
                .hasMessageContaining("cases[2].grader.type: 'nope'")
                .hasMessageContaining("case id 'd' is used twice");
    }

    @Test
    void shouldSayWhichLineOfAJsonlFileIsNotJson() {
        assertThatThrownBy(() -> EvalSuite.fromJsonl(
                        "{\"input\":\"x\",\"grader\":{\"type\":\"json\"}}\n{oops\n", "s", "s.jsonl"))
                .isInstanceOf(EvalSuite.Invalid.class)
                .hasMessageContaining("line 2: not JSON");
    }
}
