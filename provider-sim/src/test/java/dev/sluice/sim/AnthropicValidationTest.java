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

class AnthropicValidationTest {

    private static final String ACCEPTED_KEY = "sk-ant-api03-accepted";
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
    void shouldAnswer401WhenTheApiKeyIsMissing() {
        SimHttp.Reply reply = http.post("/v1/messages", SimHttp.anthropicBody("hi"), "anthropic-version", "2023-06-01");

        assertThat(reply.status()).isEqualTo(401);
        JsonNode error = errorOf(reply);
        assertThat(error.get("type").asText()).isEqualTo("authentication_error");
        assertThat(error.get("message").asText()).isEqualTo("x-api-key header is required");
    }

    @Test
    void shouldAnswer401WithInvalidXApiKeyForAnUnknownKey() {
        SimHttp.Reply reply = http.post(
                "/v1/messages",
                SimHttp.anthropicBody("hi"),
                "x-api-key",
                "sk-ant-wrong",
                "anthropic-version",
                "2023-06-01");

        assertThat(reply.status()).isEqualTo(401);
        JsonNode error = errorOf(reply);
        assertThat(error.get("type").asText()).isEqualTo("authentication_error");
        assertThat(error.get("message").asText()).isEqualTo("invalid x-api-key");
        assertThat(reply.json().get("request_id").asText())
                .isEqualTo(reply.header("request-id"))
                .startsWith("req_");
    }

    @Test
    void shouldAnswer400WhenAnthropicVersionIsMissing() {
        SimHttp.Reply reply = http.post("/v1/messages", SimHttp.anthropicBody("hi"), "x-api-key", ACCEPTED_KEY);

        assertThat(reply.status()).isEqualTo(400);
        JsonNode error = errorOf(reply);
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("message").asText()).isEqualTo("anthropic-version: header is required");
    }

    static Stream<Arguments> invalidBodies() {
        String user = "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]";
        return Stream.of(
                Arguments.of("{\"model\":", "There was an issue with the format or content of your request"),
                Arguments.of("{\"max_tokens\":10," + user + "}", "model: Field required"),
                Arguments.of("{\"model\":\"claude-sonnet-4-5\"," + user + "}", "max_tokens: Field required"),
                Arguments.of(
                        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":0," + user + "}",
                        "max_tokens: Input should be greater than or equal to 1"),
                Arguments.of("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":10}", "messages: Field required"),
                Arguments.of(
                        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":10,\"messages\":[]}",
                        "messages: at least one message is required"),
                Arguments.of(
                        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":10,\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}",
                        "messages.0.role: Input should be 'user' or 'assistant'"),
                Arguments.of(
                        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\"}]}",
                        "messages.0.content: Field required"),
                Arguments.of(
                        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"video\"}]}]}",
                        "messages.0.content.0: Input tag 'video' found using 'type' does not match any of the expected tags"),
                Arguments.of(
                        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":10,\"temperature\":1.5," + user + "}",
                        "temperature: Input should be less than or equal to 1"),
                Arguments.of(
                        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":10,\"system\":[{\"type\":\"image\"}]," + user
                                + "}",
                        "system.0.type: Input should be 'text'"),
                Arguments.of(
                        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":10,\"stop_sequences\":\"END\"," + user + "}",
                        "stop_sequences: Input should be a valid list"),
                Arguments.of(
                        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":10,\"metadata\":[]," + user + "}",
                        "metadata: Input should be a valid dictionary"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("invalidBodies")
    void shouldAnswer400InTheAnthropicErrorShapeForAnInvalidBody(String body, String message) {
        SimHttp.Reply reply =
                http.post("/v1/messages", body, "x-api-key", ACCEPTED_KEY, "anthropic-version", "2023-06-01");

        assertThat(reply.status()).as(reply.body()).isEqualTo(400);
        JsonNode error = errorOf(reply);
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("message").asText()).startsWith(message);
    }

    private static JsonNode errorOf(SimHttp.Reply reply) {
        JsonNode body = reply.json();
        assertThat(body.fieldNames()).toIterable().containsExactly("type", "error", "request_id");
        assertThat(body.get("type").asText()).isEqualTo("error");
        assertThat(body.get("error").fieldNames()).toIterable().containsExactly("type", "message");
        assertThat(body.get("request_id").asText()).isEqualTo(reply.header("request-id"));
        return body.get("error");
    }
}
