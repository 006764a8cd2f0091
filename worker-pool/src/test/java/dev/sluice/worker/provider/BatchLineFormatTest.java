package dev.sluice.worker.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.Message;
import dev.sluice.model.Priority;
import dev.sluice.model.Tier;
import dev.sluice.model.Usage;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.runtime.config.Secret;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The batch line formats of both providers, against the shapes in the team's provider API
 * reference (sections 2 and 4): input lines, output lines, error lines and batch objects.
 */
class BatchLineFormatTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ModelCatalogue CATALOGUE = ModelCatalogue.loadDefault();
    private static final ModelSpec GPT = CATALOGUE.require("gpt-4.1-mini");
    private static final ModelSpec CLAUDE = CATALOGUE.require("claude-haiku-4-5");

    private static LlmJob job() {
        LlmRequest r = new LlmRequest(
                "req-1",
                "acme",
                null,
                null,
                Priority.LOW,
                null,
                null,
                null,
                List.of(Message.system("You are terse."), Message.user("Name three rivers.")),
                64,
                0.0,
                null,
                null,
                null,
                Instant.parse("2026-11-22T10:00:00Z"));
        return new LlmJob(
                r,
                Tier.SMALL,
                List.of(GPT.name()),
                10,
                5,
                null,
                null,
                "",
                0,
                true,
                false,
                Instant.parse("2026-11-22T10:00:01Z"));
    }

    private final OpenAiBatchApi openAi =
            new OpenAiBatchApi("openai", "http://127.0.0.1:1", Secret.of("k"), HttpSettings.of(Duration.ofSeconds(1)));
    private final AnthropicBatchApi anthropic = new AnthropicBatchApi(
            "anthropic", "http://127.0.0.1:1", Secret.of("k"), HttpSettings.of(Duration.ofSeconds(1)));

    @Test
    void shouldWriteAnOpenAiInputLineAsTheFilesApiWantsIt() throws Exception {
        JsonNode line = JSON.readTree(openAi.line("req-1", GPT, job()));

        assertThat(line.path("custom_id").asText()).isEqualTo("req-1");
        assertThat(line.path("method").asText()).isEqualTo("POST");
        assertThat(line.path("url").asText()).isEqualTo("/v1/chat/completions");
        assertThat(line.path("body").path("model").asText()).isEqualTo("gpt-4.1-mini");
        assertThat(line.path("body").path("messages")).hasSize(2);
        assertThat(line.path("body").path("max_completion_tokens").asInt()).isEqualTo(64);
        assertThat(line.path("body").has("stream")).isFalse();
        assertThat(openAi.line("req-1", GPT, job())).doesNotContain("\n");
    }

    @Test
    void shouldReadAnOpenAiOutputLine() throws Exception {
        String line = """
                {"id":"batch_req_123","custom_id":"req-1","response":{"status_code":200,"request_id":"req_abc",\
                "body":{"id":"chatcmpl-1","object":"chat.completion","created":1741569952,"model":"gpt-4.1-mini",\
                "choices":[{"index":0,"message":{"role":"assistant","content":"Nile, Amazon, Danube.","refusal":null},\
                "finish_reason":"stop"}],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,\
                "prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}},\
                "error":null}""";

        BatchLineResult result = openAi.resultLine(line);

        assertThat(result.customId()).isEqualTo("req-1");
        assertThat(result.kind()).isEqualTo(BatchLineResult.Kind.SUCCEEDED);
        assertThat(result.reply().text()).isEqualTo("Nile, Amazon, Danube.");
        assertThat(result.reply().finishReason()).isEqualTo("stop");
        assertThat(result.reply().usage()).isEqualTo(new Usage(19, 10, 0, 0));
        assertThat(result.reply().providerRequestId()).isEqualTo("req_abc");
    }

    @Test
    void shouldReadOpenAiErrorLinesByStatusAndExpiry() throws Exception {
        BatchLineResult serverError = openAi.resultLine("""
                {"id":"batch_req_2","custom_id":"req-2","response":{"status_code":500,"request_id":"req_x","body":\
                {"error":{"message":"The server had an error","type":"server_error","param":null,"code":null}}},\
                "error":null}""");
        BatchLineResult badRequest = openAi.resultLine("""
                {"id":"batch_req_3","custom_id":"req-3","response":{"status_code":400,"request_id":"req_y","body":\
                {"error":{"message":"max_tokens is too large","type":"invalid_request_error","param":"max_tokens",\
                "code":null}}},"error":null}""");
        BatchLineResult expired = openAi.resultLine("""
                {"id":"batch_req_4","custom_id":"req-4","response":null,"error":{"code":"batch_expired",\
                "message":"This request could not be executed before the completion window expired."}}""");
        BatchLineResult cancelled = openAi.resultLine("""
                {"id":"batch_req_5","custom_id":"req-5","response":null,"error":{"code":"batch_cancelled",\
                "message":"This request was not executed because the batch was cancelled."}}""");

        assertThat(serverError.kind()).isEqualTo(BatchLineResult.Kind.ERRORED);
        assertThat(serverError.error().retryable()).isTrue();
        assertThat(serverError.error().status()).isEqualTo(500);
        assertThat(badRequest.error().retryable()).isFalse();
        assertThat(badRequest.error().getMessage()).contains("max_tokens is too large");
        assertThat(expired.kind()).isEqualTo(BatchLineResult.Kind.EXPIRED);
        assertThat(expired.customId()).isEqualTo("req-4");
        assertThat(cancelled.kind()).isEqualTo(BatchLineResult.Kind.CANCELED);
    }

    @Test
    void shouldReadOpenAiBatchObjects() throws Exception {
        BatchProgress running = OpenAiBatchApi.progress(JSON.readTree("""
                {"id":"batch_1","object":"batch","endpoint":"/v1/chat/completions","status":"in_progress",\
                "output_file_id":null,"error_file_id":null,"request_counts":{"total":10,"completed":3,"failed":1}}"""));
        BatchProgress done = OpenAiBatchApi.progress(JSON.readTree("""
                {"id":"batch_1","object":"batch","status":"expired","output_file_id":"file-out",\
                "error_file_id":"file-err","request_counts":{"total":10,"completed":8,"failed":2}}"""));
        BatchProgress refused = OpenAiBatchApi.progress(JSON.readTree("""
                {"id":"batch_2","object":"batch","status":"failed","errors":{"object":"list","data":[{"code":\
                "invalid_json_line","line":3,"message":"This line is not parseable as valid JSON.","param":null}]},\
                "request_counts":{"total":0,"completed":0,"failed":0}}"""));

        assertThat(running.ended()).isFalse();
        assertThat(running.done()).isEqualTo(4);
        assertThat(running.total()).isEqualTo(10);
        assertThat(done.ended()).isTrue();
        assertThat(done.failed()).isFalse();
        assertThat(done.outputRef()).isEqualTo("file-out");
        assertThat(done.errorRef()).isEqualTo("file-err");
        assertThat(refused.ended()).isTrue();
        assertThat(refused.failed()).isTrue();
        assertThat(refused.detail()).contains("not parseable");
    }

    @Test
    void shouldWriteAnAnthropicRequestAsCustomIdAndParams() throws Exception {
        JsonNode line = JSON.readTree(anthropic.line("req-1", CLAUDE, job()));

        assertThat(line.path("custom_id").asText()).isEqualTo("req-1");
        JsonNode params = line.path("params");
        assertThat(params.path("model").asText()).isEqualTo("claude-haiku-4-5");
        assertThat(params.path("max_tokens").asInt()).isEqualTo(64);
        assertThat(params.path("system").path(0).path("text").asText()).isEqualTo("You are terse.");
        assertThat(params.path("messages").path(0).path("role").asText()).isEqualTo("user");
        assertThat(params.has("stream")).isFalse();
    }

    @Test
    void shouldReadEveryAnthropicResultType() throws Exception {
        BatchLineResult ok = anthropic.resultLine("""
                {"custom_id":"req-1","result":{"type":"succeeded","message":{"id":"msg_1","type":"message",\
                "role":"assistant","model":"claude-haiku-4-5","content":[{"type":"text","text":"Nile."}],\
                "stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":21,"output_tokens":3,\
                "cache_creation_input_tokens":0,"cache_read_input_tokens":0}}}}""");
        BatchLineResult apiError = anthropic.resultLine("""
                {"custom_id":"req-2","result":{"type":"errored","error":{"type":"error","error":{"type":"api_error",\
                "message":"Internal server error"},"request_id":"req_2"}}}""");
        BatchLineResult invalid = anthropic.resultLine("""
                {"custom_id":"req-3","result":{"type":"errored","error":{"type":"error","error":\
                {"type":"invalid_request_error","message":"max_tokens: must be at most 64000"},"request_id":"req_3"}}}""");
        BatchLineResult canceled = anthropic.resultLine("{\"custom_id\":\"req-4\",\"result\":{\"type\":\"canceled\"}}");
        BatchLineResult expired = anthropic.resultLine("{\"custom_id\":\"req-5\",\"result\":{\"type\":\"expired\"}}");

        assertThat(ok.kind()).isEqualTo(BatchLineResult.Kind.SUCCEEDED);
        assertThat(ok.reply().text()).isEqualTo("Nile.");
        assertThat(ok.reply().finishReason()).isEqualTo("stop");
        assertThat(ok.reply().usage()).isEqualTo(new Usage(21, 3, 0, 0));
        assertThat(apiError.kind()).isEqualTo(BatchLineResult.Kind.ERRORED);
        assertThat(apiError.error().retryable()).isTrue();
        assertThat(invalid.error().retryable()).isFalse();
        assertThat(invalid.error().status()).isEqualTo(400);
        assertThat(canceled.kind()).isEqualTo(BatchLineResult.Kind.CANCELED);
        assertThat(expired.kind()).isEqualTo(BatchLineResult.Kind.EXPIRED);
    }

    @Test
    void shouldReadAnthropicBatchObjects() throws Exception {
        BatchProgress running = AnthropicBatchApi.progress(JSON.readTree("""
                {"id":"msgbatch_1","type":"message_batch","processing_status":"in_progress","request_counts":\
                {"processing":7,"succeeded":0,"errored":0,"canceled":0,"expired":0},"created_at":\
                "2026-11-22T10:00:00Z","expires_at":"2026-11-23T10:00:00Z","ended_at":null,"results_url":null}"""));
        BatchProgress ended = AnthropicBatchApi.progress(JSON.readTree("""
                {"id":"msgbatch_1","type":"message_batch","processing_status":"ended","request_counts":\
                {"processing":0,"succeeded":5,"errored":1,"canceled":0,"expired":1},"created_at":\
                "2026-11-22T10:00:00Z","ended_at":"2026-11-22T11:00:00Z",\
                "results_url":"https://api.anthropic.com/v1/messages/batches/msgbatch_1/results"}"""));

        assertThat(running.ended()).isFalse();
        assertThat(running.total()).isEqualTo(7);
        assertThat(running.done()).isZero();
        assertThat(ended.ended()).isTrue();
        assertThat(ended.total()).isEqualTo(7);
        assertThat(ended.outputRef()).endsWith("/msgbatch_1/results");
    }

    @Test
    void shouldKeepSafeRequestIdsAsCustomIdsAndHashTheRest() {
        assertThat(BatchApi.customId("0b9c4a52-6f7e-4c1d-9a8b-2f3e4d5c6b7a"))
                .isEqualTo("0b9c4a52-6f7e-4c1d-9a8b-2f3e4d5c6b7a");
        String hashed = BatchApi.customId("tenant/a:request 1");
        assertThat(hashed)
                .matches("[a-zA-Z0-9_-]{1,64}")
                .isEqualTo(BatchApi.customId("tenant/a:request 1"))
                .isNotEqualTo(BatchApi.customId("tenant/a:request 2"));
        assertThat(BatchApi.customId("x".repeat(65))).hasSizeLessThanOrEqualTo(64);
    }
}
