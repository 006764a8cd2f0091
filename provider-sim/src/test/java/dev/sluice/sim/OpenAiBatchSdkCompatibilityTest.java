package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.ObjectMappers;
import com.openai.core.http.HttpResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import com.openai.models.batches.BatchError;
import com.openai.models.batches.BatchListParams;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FileObject;
import com.openai.models.files.FilePurpose;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** openai-java with strict response validation drives files and batches, so their shapes are the SDK's. */
class OpenAiBatchSdkCompatibilityTest {

    private static final long START = Instant.parse("2026-03-02T09:00:00Z").toEpochMilli();

    private final AtomicLong clock = new AtomicLong(START);
    private ProviderSimulator simulator;
    private OpenAIClient client;

    @TempDir
    Path dir;

    @BeforeEach
    void start() {
        simulator = ProviderSimulator.start(SimConfig.defaults().withApiKeys(Set.of(SimHttp.OPENAI_KEY)), clock::get);
        client = OpenAIOkHttpClient.builder()
                .baseUrl(simulator.baseUrl() + "/v1")
                .apiKey(SimHttp.OPENAI_KEY)
                .maxRetries(0)
                .responseValidation(true)
                .timeout(Duration.ofSeconds(30))
                .build();
    }

    @AfterEach
    void stop() {
        client.close();
        simulator.close();
    }

    @Test
    void shouldUploadCreateRetrieveListAndReadTheOutputFile() {
        FileObject file = upload(OpenAiBatchTest.line("a", "One?"), OpenAiBatchTest.line("b", "Two?"));
        Batch created = client.batches()
                .create(create(file.id())
                        .metadata(BatchCreateParams.Metadata.builder()
                                .putProperty("job", "nightly")
                                .build())
                        .build())
                .validate();
        clock.set(START + 10_000);
        Batch completed = client.batches().retrieve(created.id()).validate();
        List<Batch> listed = client.batches()
                .list(BatchListParams.builder().limit(10).build())
                .data();

        assertThat(file.purpose()).isEqualTo(FileObject.Purpose.BATCH);
        assertThat(file.filename()).isEqualTo("input.jsonl");
        assertThat(client.files().retrieve(file.id()).validate().bytes()).isEqualTo(file.bytes());
        assertThat(created.status()).isEqualTo(Batch.Status.VALIDATING);
        assertThat(created.metadata()
                        .orElseThrow()
                        ._additionalProperties()
                        .get("job")
                        .asStringOrThrow())
                .isEqualTo("nightly");
        assertThat(completed.status()).isEqualTo(Batch.Status.COMPLETED);
        assertThat(completed.requestCounts().orElseThrow().completed()).isEqualTo(2);
        assertThat(completed.completedAt()).contains(START / 1000 + 10);
        assertThat(completed.usage().orElseThrow().totalTokens()).isPositive();
        assertThat(listed).extracting(Batch::id).containsExactly(created.id());
        listed.forEach(Batch::validate);
        FileObject output =
                client.files().retrieve(completed.outputFileId().orElseThrow()).validate();
        assertThat(output.purpose()).isEqualTo(FileObject.Purpose.BATCH_OUTPUT);
        List<JsonNode> lines = content(output.id());
        assertThat(lines).hasSize(2);
        for (JsonNode line : lines) {
            ChatCompletion completion = ObjectMappers.jsonMapper()
                    .convertValue(line.at("/response/body"), ChatCompletion.class)
                    .validate();
            assertThat(completion.choices().getFirst().message().content()).isPresent();
        }
    }

    @Test
    void shouldCancelThroughTheSdk() {
        FileObject file = upload(
                OpenAiBatchTest.line("a", "1"),
                OpenAiBatchTest.line("b", "2"),
                OpenAiBatchTest.line("c", "3"),
                OpenAiBatchTest.line("d", "4"));
        Batch created = client.batches().create(create(file.id()).build());
        clock.set(START + 5_000);

        Batch cancelling = client.batches().cancel(created.id()).validate();
        clock.set(START + 6_000);
        Batch cancelled = client.batches().retrieve(created.id()).validate();

        assertThat(cancelling.status()).isEqualTo(Batch.Status.CANCELLING);
        assertThat(cancelled.status()).isEqualTo(Batch.Status.CANCELLED);
        assertThat(cancelled.cancelledAt()).contains(START / 1000 + 6);
        assertThat(cancelled.requestCounts().orElseThrow().completed()).isEqualTo(2);
        assertThat(content(cancelled.errorFileId().orElseThrow())).hasSize(2);
    }

    @Test
    void shouldParseValidationErrorsOfAFailedBatch() {
        FileObject file = upload(OpenAiBatchTest.line("a", "1"), "{oops", OpenAiBatchTest.line("a", "2"));
        Batch created = client.batches().create(create(file.id()).build());
        clock.set(START + 1_000);

        Batch failed = client.batches().retrieve(created.id()).validate();

        assertThat(failed.status()).isEqualTo(Batch.Status.FAILED);
        List<BatchError> errors = failed.errors().orElseThrow().data().orElseThrow();
        assertThat(errors)
                .extracting(e -> e.code().orElseThrow())
                .containsExactly("invalid_json_line", "duplicate_custom_id");
        assertThat(errors).extracting(e -> e.line().orElseThrow()).containsExactly(2L, 3L);
    }

    @Test
    void shouldSurfaceBadCallsAsTheSdkExceptions() {
        FileObject file = upload(OpenAiBatchTest.line("a", "1"));

        assertThatThrownBy(() -> client.batches().retrieve("batch_nope")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> client.batches()
                        .create(create(file.id())
                                .completionWindow(BatchCreateParams.CompletionWindow.of("48h"))
                                .build()))
                .isInstanceOfSatisfying(
                        BadRequestException.class, e -> assertThat(e.param()).contains("completion_window"));
        assertThatThrownBy(() -> client.batches()
                        .create(create(file.id())
                                .endpoint(BatchCreateParams.Endpoint.V1_EMBEDDINGS)
                                .build()))
                .isInstanceOfSatisfying(
                        BadRequestException.class, e -> assertThat(e.param()).contains("endpoint"));
    }

    private FileObject upload(String... lines) {
        try {
            Path input = dir.resolve("input.jsonl");
            Files.writeString(input, String.join("\n", lines) + "\n");
            return client.files()
                    .create(FileCreateParams.builder()
                            .file(input)
                            .purpose(FilePurpose.BATCH)
                            .build())
                    .validate();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static BatchCreateParams.Builder create(String fileId) {
        return BatchCreateParams.builder()
                .inputFileId(fileId)
                .endpoint(BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS)
                .completionWindow(BatchCreateParams.CompletionWindow._24H);
    }

    private List<JsonNode> content(String fileId) {
        try (HttpResponse response = client.files().content(fileId)) {
            List<JsonNode> lines = new ArrayList<>();
            for (String line : new String(response.body().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                lines.add(SimHttp.JSON.readTree(line));
            }
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
