package dev.sluice.cli.eval;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sluice.model.Message;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GraderTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static Grader grader(String yaml) throws Exception {
        List<String> problems = new ArrayList<>();
        Grader g = Grader.parse(YAML.readTree(yaml), "grader.", problems);
        assertThat(problems).isEmpty();
        return g;
    }

    private static List<String> problems(String yaml) throws Exception {
        List<String> problems = new ArrayList<>();
        Grader.parse(YAML.readTree(yaml), "grader.", problems);
        return problems;
    }

    private static boolean passes(String yaml, String output) throws Exception {
        return Grader.grade(grader(yaml), output).pass();
    }

    @Test
    void shouldMatchExactlyAfterTrimmingAndInAnyCaseOnlyWhenAsked() throws Exception {
        assertThat(passes("{type: exact, expected: Paris}", "  Paris\n")).isTrue();
        assertThat(passes("{type: exact, expected: Paris}", "paris")).isFalse();
        assertThat(passes("{type: exact, expected: Paris, ignoreCase: true}", "paris"))
                .isTrue();
        assertThat(passes("{type: exact, expected: Paris}", "Paris.")).isFalse();
        assertThat(Grader.grade(grader("{type: exact, expected: Paris}"), "Lyon")
                        .detail())
                .isEqualTo("expected 'Paris', got 'Lyon'");
    }

    @Test
    void shouldFindEveryExpectedTextForContains() throws Exception {
        assertThat(passes("{type: contains, expected: refund}", "We will refund you."))
                .isTrue();
        assertThat(passes("{type: contains, expected: [refund, invoice]}", "We will refund you."))
                .isFalse();
        assertThat(passes("{type: contains, expected: [Refund, INVOICE], ignoreCase: true}", "refund the invoice"))
                .isTrue();
        assertThat(Grader.grade(grader("{type: contains, expected: [a1, b2]}"), "a1")
                        .detail())
                .isEqualTo("missing [b2]");
    }

    @Test
    void shouldFindThePatternAnywhereUnlessAnchored() throws Exception {
        assertThat(passes("{type: regex, pattern: '\\d{3}'}", "code 404 here")).isTrue();
        assertThat(passes("{type: regex, pattern: '^\\d{3}$'}", "code 404 here"))
                .isFalse();
        assertThat(passes("{type: regex, pattern: '(?i)^yes'}", "YES, it is")).isTrue();
    }

    @Test
    void shouldAcceptJsonInAFenceAndCompareItWhenExpected() throws Exception {
        assertThat(passes("{type: json}", "```json\n{\"a\": 1}\n```")).isTrue();
        assertThat(passes("{type: json}", "not json")).isFalse();
        assertThat(passes("{type: json, expected: {a: 1, b: [true]}}", "{\"b\":[true],\"a\":1}"))
                .isTrue();
        assertThat(passes("{type: json, expected: {a: 1}}", "{\"a\":2}")).isFalse();
    }

    @Test
    void shouldValidateAgainstTheSchema() throws Exception {
        String schema = "{type: json-schema, schema: {type: object, required: [team], properties: {team: {enum:"
                + " [billing, support]}}}}";
        assertThat(passes(schema, "{\"team\":\"billing\"}")).isTrue();
        assertThat(passes(schema, "{\"team\":\"sales\"}")).isFalse();
        assertThat(passes(schema, "{}")).isFalse();
        assertThat(Grader.grade(grader(schema), "nope").detail()).startsWith("the output is not JSON");
    }

    @Test
    void shouldTakeTheFirstNumberWithinTheTolerance() throws Exception {
        assertThat(passes("{type: numeric, expected: 42}", "The answer is 42.")).isTrue();
        assertThat(passes("{type: numeric, expected: 42}", "43")).isFalse();
        assertThat(passes("{type: numeric, expected: 42, tolerance: 1}", "43")).isTrue();
        assertThat(passes("{type: numeric, expected: 1234.5, tolerance: 0.01}", "about 1,234.5 units"))
                .isTrue();
        assertThat(passes("{type: numeric, expected: -3}", "-3 degrees")).isTrue();
        assertThat(passes("{type: numeric, expected: 0.5}", ".5")).isTrue();
        assertThat(Grader.grade(grader("{type: numeric, expected: 1}"), "none").detail())
                .isEqualTo("no number in 'none'");
    }

    @Test
    void shouldAskTheJudgeWithTheQuestionCriteriaAndAnswerInTagsAndReadItsVerdict() throws Exception {
        Grader.Judge judge = (Grader.Judge) grader("{type: judge, model: gpt-4.1, criteria: Names the city}");
        List<Message> prompt = judge.prompt("Capital of France?", "Paris");
        assertThat(prompt.getFirst().content()).contains("\"pass\"");
        assertThat(prompt.getLast().content())
                .isEqualTo("<question>\nCapital of France?\n</question>\n"
                        + "<criteria>\nNames the city\n</criteria>\n<answer>\nParis\n</answer>");

        assertThat(judge.verdict("{\"pass\":true,\"score\":0.9,\"reason\":\"ok\"}"))
                .isEqualTo(Grader.Verdict.of(true, "ok"));
        assertThat(judge.verdict("```json\n{\"pass\":false,\"reason\":\"wrong city\"}\n```")
                        .pass())
                .isFalse();
        assertThat(judge.verdict("I think it passes").detail()).startsWith("judge error");
        assertThat(judge.verdict("{\"score\":1}").detail()).isEqualTo("judge error: the reply has no pass");
    }

    @Test
    void shouldLetTheScoreDecideWhenAMinimumIsGiven() throws Exception {
        Grader.Judge judge = (Grader.Judge) grader("{type: judge, model: gpt-4.1, criteria: c, minScore: 0.7}");

        assertThat(judge.verdict("{\"pass\":true,\"score\":0.6}").pass()).isFalse();
        assertThat(judge.verdict("{\"pass\":false,\"score\":0.7}").pass()).isTrue();
        assertThat(judge.verdict("{\"pass\":true}").detail()).isEqualTo("judge error: the reply has no score");
    }

    @Test
    void shouldReportEveryProblemOfAGraderWithItsPlace() throws Exception {
        assertThat(problems("{type: fuzzy}"))
                .containsExactly("grader.type: 'fuzzy' is not one of exact, contains,"
                        + " regex, json, json-schema, numeric, judge");
        assertThat(problems("{type: exact, expect: x}"))
                .containsExactly(
                        "grader.expect: unknown field (known: expected, ignoreCase, type)",
                        "grader.expected: required, as text");
        assertThat(problems("{type: regex, pattern: '(unclosed'}"))
                .singleElement()
                .asString()
                .startsWith("grader.pattern: not a regular expression");
        assertThat(problems("{type: numeric, expected: abc, tolerance: -1}"))
                .containsExactly("grader.expected: required, as a number", "grader.tolerance: must not be negative");
        assertThat(problems("{type: judge, criteria: c, minScore: 2}"))
                .containsExactly("grader.model: required, as text", "grader.minScore: must be from 0 to 1");
        assertThat(problems("{type: json-schema, schema: 3}"))
                .containsExactly("grader.schema: must be a JSON schema (a mapping)");
        JsonNode none = YAML.readTree("3");
        List<String> missing = new ArrayList<>();
        Grader.parse(none, "cases[0].grader.", missing);
        assertThat(missing).singleElement().asString().startsWith("cases[0].grader: a grader is required");
    }
}
