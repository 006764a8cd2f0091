package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The errors of {@code POST /v1/embeddings}: bad bodies, keys, and the simulator's faults and limits. */
class OpenAiEmbeddingsErrorsTest {

    // 12:00:50 UTC: 10 s before the rate window resets.
    private static final long START = Instant.parse("2026-01-05T12:00:50Z").toEpochMilli();
    private static final String OK = """
            {"model":"text-embedding-3-small","input":"Where is my parcel?"}""";

    private final AtomicLong clock = new AtomicLong(START);
    private ProviderSimulator simulator;
    private SimHttp http;

    @BeforeEach
    void start() {
        simulator = ProviderSimulator.start(
                SimConfig.defaults().withApiKeys(Set.of(SimHttp.OPENAI_KEY)).withRateLimits(2, 1_000_000), clock::get);
        http = new SimHttp(simulator);
    }

    @AfterEach
    void stop() {
        simulator.close();
    }

    static Stream<Arguments> badBodies() {
        String invalidInput =
                "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.";
        return Stream.of(
                Arguments.of("no model", """
                        {"input":"hi"}""", 400, "you must provide a model parameter", "model", null),
                Arguments.of(
                        "no input",
                        """
                        {"model":"text-embedding-3-small"}""",
                        400,
                        "Missing required parameter: 'input'.",
                        "input",
                        "missing_required_parameter"),
                Arguments.of("an empty string", """
                        {"model":"text-embedding-3-small","input":""}""", 400, invalidInput, null, null),
                Arguments.of("an empty array", """
                        {"model":"text-embedding-3-small","input":[]}""", 400, invalidInput, null, null),
                Arguments.of("an empty string in an array", """
                        {"model":"text-embedding-3-small","input":["hi",""]}""", 400, invalidInput, null, null),
                Arguments.of("a number in an array of strings", """
                        {"model":"text-embedding-3-small","input":["hi",3]}""", 400, invalidInput, null, null),
                Arguments.of(
                        "token ids",
                        """
                        {"model":"text-embedding-3-small","input":[1820,374]}""",
                        400,
                        "The simulator embeds text only: send 'input' as a string or an array of strings, "
                                + "not token ids.",
                        "input",
                        "invalid_type"),
                Arguments.of(
                        "an unknown model",
                        """
                        {"model":"gpt-4o-mini","input":"hi"}""",
                        404,
                        "The model `gpt-4o-mini` does not exist or you do not have access to it.",
                        null,
                        "model_not_found"),
                Arguments.of(
                        "an unknown encoding",
                        """
                        {"model":"text-embedding-3-small","input":"hi","encoding_format":"int8"}""",
                        400,
                        "Invalid value: 'int8'. Supported values are: 'float' and 'base64'.",
                        "encoding_format",
                        "invalid_value"),
                Arguments.of(
                        "dimensions for ada-002",
                        """
                        {"model":"text-embedding-ada-002","input":"hi","dimensions":256}""",
                        400,
                        "This model does not support specifying dimensions.",
                        null,
                        null),
                Arguments.of(
                        "zero dimensions",
                        """
                        {"model":"text-embedding-3-small","input":"hi","dimensions":0}""",
                        400,
                        "Invalid 'dimensions': integer below minimum value. Expected a value >= 1, but got 0 instead.",
                        "dimensions",
                        "integer_below_min_value"),
                Arguments.of(
                        "more dimensions than MiniLM has",
                        """
                        {"model":"text-embedding-3-small","input":"hi","dimensions":1536}""",
                        400,
                        "Invalid 'dimensions': the simulator answers with all-MiniLM-L6-v2's 384 dimensions and can "
                                + "shorten its vectors, not lengthen them; got 1536.",
                        "dimensions",
                        "invalid_value"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badBodies")
    void shouldRefuseABadBodyInOpenAisErrorShape(
            String what, String body, int status, String message, String param, String code) {
        SimHttp.Reply reply = http.embeddings(body);

        assertThat(reply.status()).isEqualTo(status);
        JsonNode error = reply.json().get("error");
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("message").asText()).isEqualTo(message);
        assertThat(error.get("param").isNull() ? null : error.get("param").asText())
                .isEqualTo(param);
        assertThat(error.get("code").isNull() ? null : error.get("code").asText())
                .isEqualTo(code);
    }

    @Test
    void shouldRefuseAnInputLongerThanTheModelsWindowNamingItsTokenCount() {
        String text = "word ".repeat(9_000);
        int tokens = SimHttp.O200K.countTokensOrdinary(text);

        SimHttp.Reply reply = http.embeddings("""
                {"model":"text-embedding-3-small","input":["short",%s]}""".formatted(SimHttp.quote(text)));

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().at("/error/message").asText())
                .isEqualTo("This model's maximum context length is 8192 "
                        + "tokens, however you requested " + tokens + " tokens (" + tokens
                        + " in your prompt; 0 for the "
                        + "completion). Please reduce your prompt; or completion length.");
    }

    @Test
    void shouldAnswer401WithoutAKeyAndWithAWrongOneMasked() {
        SimHttp.Reply none = http.post("/v1/embeddings", OK);
        SimHttp.Reply wrong = http.post("/v1/embeddings", OK, "Authorization", "Bearer sk-abcdefghijklmnopwxyz");

        assertThat(none.status()).isEqualTo(401);
        assertThat(none.json().at("/error/message").asText()).startsWith("You didn't provide an API key.");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.json().at("/error/code").asText()).isEqualTo("invalid_api_key");
        assertThat(wrong.body()).contains("sk-ab").doesNotContain("sk-abcdefghijklmnopwxyz");
    }

    @Test
    void shouldAnswerAnInjected429WithRetryHintsAndAnExhaustedWindow() {
        SimHttp.Reply reply = http.embeddings(OK, SimState.FAULT_HEADER, "429");

        assertThat(reply.status()).isEqualTo(429);
        assertThat(reply.json().at("/error/code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(reply.json().at("/error/message").asText())
                .startsWith("Rate limit reached for text-embedding-3-small");
        assertThat(reply.header("retry-after")).isEqualTo("1");
        assertThat(reply.header("retry-after-ms")).isEqualTo("1000");
        assertThat(reply.header("x-ratelimit-remaining-requests")).isEqualTo("0");
        assertThat(simulator.stats().injectedFaults(429)).isEqualTo(1);
    }

    @Test
    void shouldCountEmbeddingsAgainstTheKeysRequestLimitAndAnswer429OverIt() {
        SimHttp.Reply first = http.embeddings(OK);
        SimHttp.Reply second = http.embeddings(OK);
        SimHttp.Reply third = http.embeddings(OK);

        assertThat(first.header("x-ratelimit-remaining-requests")).isEqualTo("1");
        assertThat(second.header("x-ratelimit-remaining-requests")).isEqualTo("0");
        assertThat(third.status()).isEqualTo(429);
        assertThat(third.header("retry-after")).isEqualTo("10");
        assertThat(third.json().at("/error/message").asText())
                .contains("on requests per min (RPM): Limit 2, Used 2, Requested 1.");
        assertThat(simulator.stats().rateLimited()).isEqualTo(1);
    }

    @Test
    void shouldServeAnOpenAiOutageAndConfiguredFaultRatesOnEmbeddingsToo() {
        simulator.update(simulator
                .config()
                .withOutages(List.of(Outage.of(Duration.ZERO, Duration.ofSeconds(30), 503)
                        .onlyFor("openai", "text-embedding-3-small"))));
        SimHttp.Reply inOutage = http.embeddings(OK);
        SimHttp.Reply otherModel = http.embeddings("""
                {"model":"text-embedding-3-large","input":"Where is my parcel?"}""");

        simulator.update(simulator.config().withOutages(List.of()).withFaultRates(Map.of(500, 1.0)));
        SimHttp.Reply faulted = http.embeddings(OK);

        assertThat(inOutage.status()).isEqualTo(503);
        assertThat(inOutage.json().at("/error/message").asText())
                .isEqualTo("The engine is currently overloaded, please try again later.");
        assertThat(otherModel.status()).isEqualTo(200);
        assertThat(faulted.status()).isEqualTo(500);
        assertThat(faulted.json().at("/error/type").asText()).isEqualTo("server_error");
    }
}
