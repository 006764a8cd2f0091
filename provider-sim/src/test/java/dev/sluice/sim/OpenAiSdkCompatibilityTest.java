package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.InternalServerException;
import com.openai.errors.NotFoundException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.CompletionUsage;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.embeddings.EmbeddingModel;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The official openai-java SDK, with strict response validation, as the judge of wire fidelity. */
class OpenAiSdkCompatibilityTest {

    private static ProviderSimulator simulator;
    private static OpenAIClient client;

    @BeforeAll
    static void start() {
        simulator = ProviderSimulator.start(SimConfig.defaults().withApiKeys(Set.of(SimHttp.OPENAI_KEY)));
        client = sdk(SimHttp.OPENAI_KEY);
    }

    @AfterAll
    static void stop() {
        client.close();
        simulator.close();
    }

    @Test
    void shouldBeParsedAndValidatedByTheOfficialSdk() {
        ChatCompletion completion = client.chat()
                .completions()
                .create(params("What is a sluice?").build())
                .validate();

        String content = completion.choices().getFirst().message().content().orElseThrow();
        CompletionUsage usage = completion.usage().orElseThrow();
        assertThat(completion.id()).startsWith("chatcmpl-");
        assertThat(completion.model()).isEqualTo("gpt-4o-mini");
        assertThat(completion.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        assertThat(usage.completionTokens()).isEqualTo(SimHttp.O200K.countTokensOrdinary(content));
        assertThat(usage.totalTokens()).isEqualTo(usage.promptTokens() + usage.completionTokens());
        // The SDK's request and the hand-written one carry the same messages, so the same text.
        String raw = new SimHttp(simulator)
                .openAi(SimHttp.openAiBody("What is a sluice?"))
                .json()
                .at("/choices/0/message/content")
                .asText();
        assertThat(content).isEqualTo(raw);
    }

    @Test
    void shouldReportLengthWhenTheSdkCapsTokens() {
        ChatCompletion completion = client.chat()
                .completions()
                .create(params("Cap me.").maxCompletionTokens(4).build())
                .validate();

        assertThat(completion.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.LENGTH);
        assertThat(completion.usage().orElseThrow().completionTokens()).isLessThanOrEqualTo(4);
    }

    @Test
    void shouldStreamChunksThatTheSdkAccumulatesIntoTheSameCompletion() {
        ChatCompletion expected =
                client.chat().completions().create(params("Stream via SDK.").build());
        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();

        ChatCompletionCreateParams streaming = params("Stream via SDK.")
                .streamOptions(
                        ChatCompletionStreamOptions.builder().includeUsage(true).build())
                .build();
        try (StreamResponse<ChatCompletionChunk> stream =
                client.chat().completions().createStreaming(streaming)) {
            stream.stream().forEach(accumulator::accumulate);
        }

        ChatCompletion streamed = accumulator.chatCompletion();
        assertThat(streamed.choices().getFirst().message().content())
                .isEqualTo(expected.choices().getFirst().message().content());
        assertThat(streamed.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        assertThat(streamed.usage().orElseThrow().completionTokens())
                .isEqualTo(expected.usage().orElseThrow().completionTokens());
    }

    @Test
    void shouldParseCachedTokensOfARepeatedLongPrompt() {
        ChatCompletionCreateParams longPrompt = ChatCompletionCreateParams.builder()
                .model("gpt-4o-mini")
                .addSystemMessage(SimHttp.longText("sluice", 500))
                .addUserMessage("Cached?")
                .build();

        CompletionUsage first = client.chat()
                .completions()
                .create(longPrompt)
                .validate()
                .usage()
                .orElseThrow();
        CompletionUsage second = client.chat()
                .completions()
                .create(longPrompt)
                .validate()
                .usage()
                .orElseThrow();

        assertThat(first.promptTokensDetails().orElseThrow().cachedTokens()).contains(0L);
        assertThat(second.promptTokensDetails().orElseThrow().cachedTokens())
                .contains(1024 + (second.promptTokens() - 1024) / 128 * 128);
        assertThat(second.promptTokens()).isEqualTo(first.promptTokens());
    }

    @Test
    void shouldSurfaceAnInjected429AsRateLimitException() {
        ChatCompletionCreateParams limited =
                params("limited").putAdditionalHeader("x-sim-fault", "429").build();

        assertThatThrownBy(() -> client.chat().completions().create(limited))
                .isInstanceOfSatisfying(RateLimitException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(429);
                    assertThat(e.code()).contains("rate_limit_exceeded");
                    assertThat(e.headers().values("retry-after")).containsExactly("1");
                    assertThat(e.headers().values("x-ratelimit-remaining-requests"))
                            .containsExactly("0");
                });
    }

    @Test
    void shouldSurfaceAnOverloaded503AsInternalServerException() {
        ChatCompletionCreateParams overloaded =
                params("busy").putAdditionalHeader("x-sim-fault", "503").build();

        assertThatThrownBy(() -> client.chat().completions().create(overloaded))
                .isInstanceOfSatisfying(
                        InternalServerException.class,
                        e -> assertThat(e.statusCode()).isEqualTo(503));
    }

    @Test
    void shouldSurfaceAWrongKeyAsUnauthorizedException() {
        OpenAIClient wrong = sdk("sk-wrong-key-000000");
        try {
            assertThatThrownBy(
                            () -> wrong.chat().completions().create(params("hi").build()))
                    .isInstanceOfSatisfying(
                            UnauthorizedException.class,
                            e -> assertThat(e.code()).contains("invalid_api_key"));
        } finally {
            wrong.close();
        }
    }

    @Test
    void shouldSurfaceValidationErrorsAsBadRequestWithTheParam() {
        ChatCompletionCreateParams tooHot = params("hot").temperature(3.0).build();

        assertThatThrownBy(() -> client.chat().completions().create(tooHot))
                .isInstanceOfSatisfying(BadRequestException.class, e -> {
                    assertThat(e.param()).contains("temperature");
                    assertThat(e.type()).contains("invalid_request_error");
                });
    }

    @Test
    void shouldHaveEmbeddingsParsedAndValidatedByTheOfficialSdkInBothEncodings() {
        EmbeddingCreateParams.Builder params = EmbeddingCreateParams.builder()
                .model(EmbeddingModel.TEXT_EMBEDDING_3_SMALL)
                .inputOfArrayOfStrings(List.of("Where is my parcel?", "My package has not arrived."));

        CreateEmbeddingResponse sdkDefault =
                client.embeddings().create(params.build()).validate();
        CreateEmbeddingResponse floats = client.embeddings()
                .create(params.encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT)
                        .build())
                .validate();

        assertThat(floats.data()).hasSize(2);
        assertThat(floats.data().get(1).index()).isEqualTo(1);
        assertThat(floats.data().getFirst().embedding()).hasSize(384);
        assertThat(sdkDefault.data().getFirst().embedding())
                .isEqualTo(floats.data().getFirst().embedding());
        assertThat(floats.usage().promptTokens())
                .isEqualTo(SimHttp.O200K.countTokensOrdinary("Where is my parcel?")
                        + SimHttp.O200K.countTokensOrdinary("My package has not arrived."));
        assertThat(floats.usage().totalTokens()).isEqualTo(floats.usage().promptTokens());
    }

    @Test
    void shouldSurfaceAnUnknownEmbeddingModelAsNotFoundException() {
        EmbeddingCreateParams unknown = EmbeddingCreateParams.builder()
                .model("text-embedding-4")
                .input("hi")
                .build();

        assertThatThrownBy(() -> client.embeddings().create(unknown))
                .isInstanceOfSatisfying(
                        NotFoundException.class, e -> assertThat(e.code()).contains("model_not_found"));
    }

    private static ChatCompletionCreateParams.Builder params(String prompt) {
        return ChatCompletionCreateParams.builder()
                .model("gpt-4o-mini")
                .addSystemMessage("You are terse.")
                .addUserMessage(prompt);
    }

    private static OpenAIClient sdk(String key) {
        return OpenAIOkHttpClient.builder()
                .baseUrl(simulator.baseUrl() + "/v1")
                .apiKey(key)
                .maxRetries(0)
                .responseValidation(true)
                .timeout(Duration.ofSeconds(30))
                .build();
    }
}
