package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.batches.BatchCreateParams;
import com.anthropic.models.messages.batches.BatchListParams;
import com.anthropic.models.messages.batches.DeletedMessageBatch;
import com.anthropic.models.messages.batches.MessageBatch;
import com.anthropic.models.messages.batches.MessageBatchIndividualResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** anthropic-java with strict response validation drives message batches, so their shapes are the SDK's. */
class AnthropicBatchSdkCompatibilityTest {

    private static final Instant START = Instant.parse("2026-03-02T09:00:00Z");

    private final AtomicLong clock = new AtomicLong(START.toEpochMilli());
    private ProviderSimulator simulator;
    private AnthropicClient client;

    @BeforeEach
    void start() {
        simulator =
                ProviderSimulator.start(SimConfig.defaults().withApiKeys(Set.of(SimHttp.ANTHROPIC_KEY)), clock::get);
        client = AnthropicOkHttpClient.builder()
                .baseUrl(simulator.baseUrl())
                .apiKey(SimHttp.ANTHROPIC_KEY)
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
    void shouldCreateRetrieveListReadResultsAndDelete() {
        MessageBatch created = client.messages()
                .batches()
                .create(BatchCreateParams.builder()
                        .addRequest(request("ok", "What is a sluice?"))
                        .addRequest(request("boom", "[sim:batch-fail]"))
                        .addRequest(request("late", "[sim:batch-expire]"))
                        .build())
                .validate();
        clock.set(START.toEpochMilli() + 10_000);
        MessageBatch ended = client.messages().batches().retrieve(created.id()).validate();
        List<MessageBatch> listed = client.messages()
                .batches()
                .list(BatchListParams.builder().limit(5).build())
                .data();
        Map<String, MessageBatchIndividualResponse> results = results(created.id());
        DeletedMessageBatch deleted =
                client.messages().batches().delete(created.id()).validate();

        assertThat(created.processingStatus()).isEqualTo(MessageBatch.ProcessingStatus.IN_PROGRESS);
        assertThat(created.requestCounts().processing()).isEqualTo(3);
        assertThat(created.expiresAt()).isEqualTo(OffsetDateTime.ofInstant(START.plusSeconds(86_400), ZoneOffset.UTC));
        assertThat(created.resultsUrl()).isEmpty();
        assertThat(ended.processingStatus()).isEqualTo(MessageBatch.ProcessingStatus.ENDED);
        assertThat(ended.requestCounts().succeeded()).isEqualTo(1);
        assertThat(ended.requestCounts().errored()).isEqualTo(1);
        assertThat(ended.requestCounts().expired()).isEqualTo(1);
        assertThat(ended.endedAt()).contains(OffsetDateTime.ofInstant(START.plusSeconds(10), ZoneOffset.UTC));
        assertThat(ended.resultsUrl())
                .contains(simulator.baseUrl() + "/v1/messages/batches/" + created.id() + "/results");
        listed.forEach(MessageBatch::validate);
        assertThat(listed).extracting(MessageBatch::id).containsExactly(created.id());
        Message message = results.get("ok").result().asSucceeded().message();
        Message sync = client.messages()
                .create(MessageCreateParams.builder()
                        .model("claude-sonnet-4-5")
                        .maxTokens(1024)
                        .addUserMessage("What is a sluice?")
                        .build());
        assertThat(message.content().getFirst().asText().text())
                .isEqualTo(sync.content().getFirst().asText().text());
        assertThat(results.get("boom").result().asErrored().error().error().isApiError())
                .isTrue();
        assertThat(results.get("late").result().isExpired()).isTrue();
        assertThat(deleted.id()).isEqualTo(created.id());
    }

    @Test
    void shouldCancelThroughTheSdk() {
        MessageBatch created = client.messages()
                .batches()
                .create(BatchCreateParams.builder()
                        .addRequest(request("a", "1"))
                        .addRequest(request("b", "2"))
                        .build());
        clock.set(START.toEpochMilli() + 5_000);

        MessageBatch canceling =
                client.messages().batches().cancel(created.id()).validate();
        clock.set(START.toEpochMilli() + 6_000);
        MessageBatch ended = client.messages().batches().retrieve(created.id()).validate();
        Map<String, MessageBatchIndividualResponse> results = results(created.id());

        assertThat(canceling.processingStatus()).isEqualTo(MessageBatch.ProcessingStatus.CANCELING);
        assertThat(canceling.cancelInitiatedAt())
                .contains(OffsetDateTime.ofInstant(START.plusSeconds(5), ZoneOffset.UTC));
        assertThat(ended.requestCounts().succeeded()).isEqualTo(1);
        assertThat(ended.requestCounts().canceled()).isEqualTo(1);
        assertThat(results.get("a").result().isSucceeded()).isTrue();
        assertThat(results.get("b").result().isCanceled()).isTrue();
    }

    @Test
    void shouldSurfaceBadCallsAsTheSdkExceptions() {
        assertThatThrownBy(() -> client.messages().batches().retrieve("msgbatch_nope"))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> client.messages()
                        .batches()
                        .create(BatchCreateParams.builder()
                                .addRequest(request("same", "1"))
                                .addRequest(request("same", "2"))
                                .build()))
                .isInstanceOf(BadRequestException.class);
    }

    private Map<String, MessageBatchIndividualResponse> results(String batchId) {
        Map<String, MessageBatchIndividualResponse> results = new HashMap<>();
        try (StreamResponse<MessageBatchIndividualResponse> stream =
                client.messages().batches().resultsStreaming(batchId)) {
            stream.stream().forEach(r -> results.put(r.validate().customId(), r));
        }
        return results;
    }

    private static BatchCreateParams.Request request(String customId, String prompt) {
        return BatchCreateParams.Request.builder()
                .customId(customId)
                .params(BatchCreateParams.Request.Params.builder()
                        .model("claude-sonnet-4-5")
                        .maxTokens(1024)
                        .addUserMessage(prompt)
                        .build())
                .build();
    }
}
