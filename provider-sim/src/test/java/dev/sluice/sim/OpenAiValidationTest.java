package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OpenAiValidationTest {

    private static final String ACCEPTED_KEY = "sk-proj-accepted-key-123456";
    private static ProviderSimulator simulator;
    private static SimHttp http;

    @BeforeAll
    static void start() {
        simulator = ProviderSimulator.start(SimConfig.defaults().withApiKeys(Set.of(ACCEPTED_KEY)));
        http = new SimHttp(simulator);
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    @Test
    void shouldAnswer401WithoutAnAuthorizationHeader() {
        SimHttp.Reply reply = http.post("/v1/chat/completions", SimHttp.openAiBody("hi"));

        assertThat(reply.status()).isEqualTo(401);
        JsonNode error = errorOf(reply);
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("message").asText()).startsWith("You didn't provide an API key.");
        assertThat(error.get("param").isNull()).isTrue();
        assertThat(error.get("code").isNull()).isTrue();
    }

    @Test
    void shouldAnswer401WithInvalidApiKeyAndAMaskedKeyForAnUnknownKey() {
        String wrongKey = "sk-abcdefghijklmnopwxyz";

        SimHttp.Reply reply =
                http.post("/v1/chat/completions", SimHttp.openAiBody("hi"), "Authorization", "Bearer " + wrongKey);

        assertThat(reply.status()).isEqualTo(401);
        JsonNode error = errorOf(reply);
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("code").asText()).isEqualTo("invalid_api_key");
        assertThat(error.get("param").isNull()).isTrue();
        assertThat(error.get("message").asText())
                .startsWith("Incorrect API key provided: sk-ab**************wxyz.")
                .doesNotContain(wrongKey);
        assertThat(reply.header("x-request-id")).startsWith("req_");
    }

    @Test
    void shouldAcceptAConfiguredKey() {
        SimHttp.Reply reply =
                http.post("/v1/chat/completions", SimHttp.openAiBody("hi"), "Authorization", "Bearer " + ACCEPTED_KEY);

        assertThat(reply.status()).isEqualTo(200);
    }

    static Stream<Arguments> invalidBodies() {
        return Stream.of(
                Arguments.of("{\"model\":", null, null, "We could not parse the JSON body of your request."),
                Arguments.of(
                        "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
                        "model",
                        null,
                        "you must provide a model parameter"),
                Arguments.of(
                        "{\"model\":\"gpt-4o\"}",
                        "messages",
                        "missing_required_parameter",
                        "Missing required parameter: 'messages'."),
                Arguments.of(
                        "{\"model\":\"gpt-4o\",\"messages\":[]}",
                        "messages",
                        "empty_array",
                        "Invalid 'messages': empty array."),
                Arguments.of(
                        "{\"model\":\"gpt-4o\",\"messages\":\"hi\"}",
                        "messages",
                        "invalid_type",
                        "Invalid type for 'messages'"),
                Arguments.of(
                        withMessage("\"role\":\"robot\",\"content\":\"x\""),
                        "messages[0].role",
                        "invalid_value",
                        "Invalid value: 'robot'."),
                Arguments.of(
                        withMessage("\"content\":\"x\""),
                        "messages[0].role",
                        "missing_required_parameter",
                        "Missing required parameter"),
                Arguments.of(
                        withMessage("\"role\":\"user\""),
                        "messages[0].content",
                        "missing_required_parameter",
                        "Missing required parameter"),
                Arguments.of(
                        withMessage("\"role\":\"tool\",\"content\":\"x\""),
                        "messages[0].tool_call_id",
                        "missing_required_parameter",
                        "Missing required parameter"),
                Arguments.of(
                        withField("\"temperature\":2.5"),
                        "temperature",
                        "decimal_above_max_value",
                        "Expected a value <= 2"),
                Arguments.of(
                        withField("\"temperature\":-0.1"),
                        "temperature",
                        "decimal_below_min_value",
                        "Expected a value >= 0"),
                Arguments.of(
                        withField("\"max_completion_tokens\":0"),
                        "max_completion_tokens",
                        "integer_below_min_value",
                        "Expected a value >= 1"),
                Arguments.of(
                        withField("\"max_tokens\":\"ten\""),
                        "max_tokens",
                        "invalid_type",
                        "expected an integer, but got a string"),
                Arguments.of(
                        withField("\"stream_options\":{\"include_usage\":true}"),
                        "stream_options",
                        null,
                        "only allowed when 'stream' is enabled"),
                Arguments.of(
                        withField("\"response_format\":{\"type\":\"yaml\"}"),
                        "response_format.type",
                        "invalid_value",
                        "Invalid value: 'yaml'."),
                Arguments.of(
                        withField("\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"schema\":{}}}"),
                        "response_format.json_schema.name",
                        "missing_required_parameter",
                        "Missing required parameter"),
                Arguments.of(
                        withField(
                                "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"bad name!\"}}"),
                        "response_format.json_schema.name",
                        "invalid_value",
                        "does not match pattern"),
                Arguments.of(
                        withField("\"response_format\":{\"type\":\"json_object\"}"),
                        "messages",
                        null,
                        "must contain the word 'json'"));
    }

    @ParameterizedTest(name = "[{index}] param={1} code={2}")
    @MethodSource("invalidBodies")
    void shouldAnswer400InTheOpenAiErrorShapeForAnInvalidBody(String body, String param, String code, String message) {
        SimHttp.Reply reply = http.post("/v1/chat/completions", body, "Authorization", "Bearer " + ACCEPTED_KEY);

        assertThat(reply.status()).as(reply.body()).isEqualTo(400);
        JsonNode error = errorOf(reply);
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("message").asText()).contains(message);
        assertThat(error.get("param").isNull() ? null : error.get("param").asText())
                .isEqualTo(param);
        assertThat(error.get("code").isNull() ? null : error.get("code").asText())
                .isEqualTo(code);
    }

    private static JsonNode errorOf(SimHttp.Reply reply) {
        JsonNode body = reply.json();
        assertThat(body.fieldNames()).toIterable().containsExactly("error");
        assertThat(body.get("error").fieldNames()).toIterable().containsExactly("message", "type", "param", "code");
        return body.get("error");
    }

    private static String withMessage(String fields) {
        return "{\"model\":\"gpt-4o\",\"messages\":[{" + fields + "}]}";
    }

    private static String withField(String field) {
        return "{\"model\":\"gpt-4o\"," + field + ",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
    }
}
