package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.OverloadedException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.CacheControlEphemeral;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.TextBlockParam;
import com.anthropic.models.messages.Usage;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The official anthropic-java SDK, with strict response validation, as the judge of wire fidelity. */
class AnthropicSdkCompatibilityTest {

    private static ProviderSimulator simulator;
    private static AnthropicClient client;

    @BeforeAll
    static void start() {
        simulator = ProviderSimulator.start(SimConfig.defaults().withApiKeys(Set.of(SimHttp.ANTHROPIC_KEY)));
        client = sdk(SimHttp.ANTHROPIC_KEY);
    }

    @AfterAll
    static void stop() {
        client.close();
        simulator.close();
    }

    @Test
    void shouldBeParsedAndValidatedByTheOfficialSdk() {
        Message message =
                client.messages().create(params("What is a sluice?").build()).validate();

        String text = message.content().getFirst().asText().text();
        assertThat(message.id()).startsWith("msg_");
        assertThat(message.model().asString()).isEqualTo("claude-sonnet-4-5");
        assertThat(message.stopReason()).contains(StopReason.END_TURN);
        assertThat(message.usage().outputTokens()).isEqualTo(SimHttp.O200K.countTokensOrdinary(text));
        assertThat(message.usage().inputTokens()).isEqualTo(SimHttp.O200K.countTokens("What is a sluice?"));
        assertThat(message.usage().cacheCreation()).isPresent();
        String raw = new SimHttp(simulator)
                .anthropic(SimHttp.anthropicBody("What is a sluice?"))
                .json()
                .at("/content/0/text")
                .asText();
        assertThat(text).isEqualTo(raw);
    }

    @Test
    void shouldReportMaxTokensWhenTheSdkCapsTokens() {
        Message message =
                client.messages().create(params("Cap me.").maxTokens(3).build()).validate();

        assertThat(message.stopReason()).contains(StopReason.MAX_TOKENS);
        assertThat(message.usage().outputTokens()).isLessThanOrEqualTo(3);
    }

    @Test
    void shouldStreamEventsThatTheSdkAccumulatesIntoTheSameMessage() {
        Message expected = client.messages().create(params("Stream via SDK.").build());
        MessageAccumulator accumulator = MessageAccumulator.create();

        try (StreamResponse<RawMessageStreamEvent> stream =
                client.messages().createStreaming(params("Stream via SDK.").build())) {
            stream.stream().forEach(accumulator::accumulate);
        }

        Message streamed = accumulator.message();
        assertThat(streamed.content().getFirst().asText().text())
                .isEqualTo(expected.content().getFirst().asText().text());
        assertThat(streamed.stopReason()).contains(StopReason.END_TURN);
        assertThat(streamed.usage().outputTokens()).isEqualTo(expected.usage().outputTokens());
        assertThat(streamed.usage().inputTokens()).isEqualTo(expected.usage().inputTokens());
    }

    @Test
    void shouldParseCacheWritesAndReadsOfALongCachedSystemPrompt() {
        String system = SimHttp.longText("sluice", 500);
        long prefix = SimHttp.O200K.countTokens(system);
        MessageCreateParams cached = params("Cached?")
                .systemOfTextBlockParams(List.of(TextBlockParam.builder()
                        .text(system)
                        .cacheControl(CacheControlEphemeral.builder().build())
                        .build()))
                .build();

        Usage written = client.messages().create(cached).validate().usage();
        Usage read = client.messages().create(cached).validate().usage();

        assertThat(written.cacheCreationInputTokens()).contains(prefix);
        assertThat(written.cacheCreation().orElseThrow().ephemeral5mInputTokens())
                .isEqualTo(prefix);
        assertThat(read.cacheReadInputTokens()).contains(prefix);
        assertThat(read.cacheCreationInputTokens()).contains(0L);
        assertThat(read.inputTokens()).isEqualTo(SimHttp.O200K.countTokens("Cached?"));
    }

    @Test
    void shouldSurfaceAnInjected429AsRateLimitException() {
        MessageCreateParams limited =
                params("limited").putAdditionalHeader("x-sim-fault", "429").build();

        assertThatThrownBy(() -> client.messages().create(limited))
                .isInstanceOfSatisfying(RateLimitException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(429);
                    assertThat(e.headers().values("retry-after")).containsExactly("1");
                });
    }

    @Test
    void shouldSurfaceAnInjected529AsOverloadedException() {
        MessageCreateParams overloaded =
                params("busy").putAdditionalHeader("x-sim-fault", "529").build();

        assertThatThrownBy(() -> client.messages().create(overloaded))
                .isInstanceOfSatisfying(
                        OverloadedException.class,
                        e -> assertThat(e.statusCode()).isEqualTo(529));
    }

    @Test
    void shouldSurfaceAWrongKeyAsUnauthorizedException() {
        AnthropicClient wrong = sdk("sk-ant-wrong");
        try {
            assertThatThrownBy(() -> wrong.messages().create(params("hi").build()))
                    .isInstanceOf(UnauthorizedException.class)
                    .hasMessageContaining("invalid x-api-key");
        } finally {
            wrong.close();
        }
    }

    @Test
    void shouldSurfaceValidationErrorsAsBadRequest() {
        // This SDK version has no temperature setter, so the field goes in as an extra body property.
        MessageCreateParams tooHot = params("hot")
                .putAdditionalBodyProperty("temperature", JsonValue.from(1.5))
                .build();

        assertThatThrownBy(() -> client.messages().create(tooHot))
                .isInstanceOf(BadRequestException.class)
                .hasMessageContaining("temperature: Input should be less than or equal to 1");
    }

    private static MessageCreateParams.Builder params(String prompt) {
        return MessageCreateParams.builder()
                .model("claude-sonnet-4-5")
                .maxTokens(1024)
                .addUserMessage(prompt);
    }

    private static AnthropicClient sdk(String key) {
        return AnthropicOkHttpClient.builder()
                .baseUrl(simulator.baseUrl())
                .apiKey(key)
                .maxRetries(0)
                .responseValidation(true)
                .timeout(Duration.ofSeconds(30))
                .build();
    }
}
