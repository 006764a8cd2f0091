package dev.sluice.worker.guardrails;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.ResponseFormat;
import org.junit.jupiter.api.Test;

class JsonOutputTest {
    private static final String SCHEMA = "{\"type\":\"object\",\"properties\":{\"category\":{\"enum\":[\"billing\","
            + "\"shipping\",\"other\"]},\"urgent\":{\"type\":\"boolean\"}},\"required\":[\"category\",\"urgent\"],"
            + "\"additionalProperties\":false}";
    private static final ResponseFormat WITH_SCHEMA = new ResponseFormat(ResponseFormat.Type.JSON_SCHEMA, SCHEMA, "t");
    private static final ResponseFormat JSON = new ResponseFormat(ResponseFormat.Type.JSON, null, null);

    @Test
    void shouldAcceptJsonThatMatchesTheSchemaFencedOrNot() {
        assertThat(JsonOutput.problem(WITH_SCHEMA, "{\"category\":\"billing\",\"urgent\":true}"))
                .isNull();
        assertThat(JsonOutput.problem(WITH_SCHEMA, "```json\n{\"category\":\"other\",\"urgent\":false}\n```"))
                .isNull();
        assertThat(JsonOutput.normalised("```json\n{ \"a\" : 1 }\n```")).isEqualTo("{\"a\":1}");
    }

    @Test
    void shouldSayWhatIsWrongWithJsonThatBreaksTheSchema() {
        String problem = JsonOutput.problem(WITH_SCHEMA, "{\"category\":\"refund\",\"extra\":1}");
        assertThat(problem)
                .startsWith("the output does not match the JSON schema: ")
                .contains("category")
                .contains("urgent")
                .contains("extra");
    }

    @Test
    void shouldRefuseTextThatIsNotJson() {
        assertThat(JsonOutput.problem(WITH_SCHEMA, "Sure! The category is billing."))
                .startsWith("the output is not JSON");
        assertThat(JsonOutput.problem(JSON, "")).isNotNull();
        assertThat(JsonOutput.problem(JSON, "[1, 2]")).isEqualTo("the output is JSON but not an object");
        assertThat(JsonOutput.problem(JSON, "{\"ok\":true}")).isNull();
    }

    @Test
    void shouldNotCheckTextOutput() {
        assertThat(JsonOutput.problem(null, "anything")).isNull();
        assertThat(JsonOutput.problem(ResponseFormat.TEXT, "anything")).isNull();
    }

    @Test
    void shouldHonourTheDraftASchemaNames() {
        String draft7 = "{\"$schema\":\"http://json-schema.org/draft-07/schema#\",\"type\":\"object\","
                + "\"required\":[\"id\"]}";
        ResponseFormat f = new ResponseFormat(ResponseFormat.Type.JSON_SCHEMA, draft7, "d7");
        assertThat(JsonOutput.problem(f, "{\"id\":1}")).isNull();
        assertThat(JsonOutput.problem(f, "{}")).contains("id");
    }
}
