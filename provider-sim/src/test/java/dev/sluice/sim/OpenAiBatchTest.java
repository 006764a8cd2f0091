package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Files and batches over real HTTP, on a clock the test moves. With the default 10 s processing
 * time, validating lasts 1 s, four lines finish at 3, 5, 7 and 9 s, finalizing starts at 9 s and
 * the batch completes at 10 s.
 */
class OpenAiBatchTest {

    private static final long START = Instant.parse("2026-03-02T09:00:00Z").toEpochMilli();

    private final AtomicLong clock = new AtomicLong(START);
    private ProviderSimulator simulator;
    private SimHttp http;

    @AfterEach
    void stop() {
        simulator.close();
    }

    @Test
    void shouldWalkThroughEveryStatusOfASuccessfulBatchAndWriteSyncIdenticalOutputLines() {
        start(SimConfig.defaults());
        String fileId = uploadLines(line("a", "Alpha?"), line("b", "Beta?"), line("c", "Gamma?"), line("d", "Delta?"));

        JsonNode created = createBatch(fileId, "{\"job\":\"nightly\"}");
        JsonNode early = at(900, created);
        JsonNode running = at(5_000, created);
        JsonNode finalizing = at(9_000, created);
        JsonNode completed = at(10_000, created);

        assertThat(created.get("status").asText()).isEqualTo("validating");
        assertThat(created.get("id").asText()).startsWith("batch_");
        assertThat(created.get("object").asText()).isEqualTo("batch");
        assertThat(created.get("created_at").asLong()).isEqualTo(START / 1000);
        assertThat(created.get("expires_at").asLong()).isEqualTo(START / 1000 + 86_400);
        assertThat(created.get("metadata").get("job").asText()).isEqualTo("nightly");
        assertThat(created.get("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(created.at("/request_counts/total").asInt()).isZero();
        assertThat(early.get("status").asText()).isEqualTo("validating");
        assertThat(running.get("status").asText()).isEqualTo("in_progress");
        assertThat(running.get("in_progress_at").asLong()).isEqualTo(START / 1000 + 1);
        assertThat(counts(running)).containsExactly(4, 2, 0);
        assertThat(running.get("output_file_id").isNull()).isTrue();
        assertThat(finalizing.get("status").asText()).isEqualTo("finalizing");
        assertThat(finalizing.get("finalizing_at").asLong()).isEqualTo(START / 1000 + 9);
        assertThat(completed.get("status").asText()).isEqualTo("completed");
        assertThat(completed.get("completed_at").asLong()).isEqualTo(START / 1000 + 10);
        assertThat(counts(completed)).containsExactly(4, 4, 0);
        assertThat(completed.get("error_file_id").isNull()).isTrue();
        assertThat(completed.get("errors").isNull()).isTrue();

        List<JsonNode> output = fileLines(completed.get("output_file_id").asText());
        assertThat(output).extracting(l -> l.get("custom_id").asText()).containsExactly("a", "b", "c", "d");
        JsonNode first = output.getFirst();
        assertThat(first.get("id").asText()).startsWith("batch_req_");
        assertThat(first.get("error").isNull()).isTrue();
        assertThat(first.at("/response/status_code").asInt()).isEqualTo(200);
        assertThat(first.at("/response/request_id").asText()).startsWith("req_");
        JsonNode body = first.at("/response/body");
        JsonNode sync = http.openAi(SimHttp.openAiBody("Alpha?")).json();
        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        assertThat(body.at("/choices/0/message/content").asText())
                .isEqualTo(sync.at("/choices/0/message/content").asText());
        assertThat(body.get("usage")).isEqualTo(sync.get("usage"));
        long inputTokens = output.stream()
                .mapToLong(l -> l.at("/response/body/usage/prompt_tokens").asLong())
                .sum();
        long outputTokens = output.stream()
                .mapToLong(l -> l.at("/response/body/usage/completion_tokens").asLong())
                .sum();
        assertThat(completed.at("/usage/input_tokens").asLong()).isEqualTo(inputTokens);
        assertThat(completed.at("/usage/output_tokens").asLong()).isEqualTo(outputTokens);
        assertThat(completed.at("/usage/total_tokens").asLong()).isEqualTo(inputTokens + outputTokens);
        JsonNode outputFile = http.openAiCall(
                        "GET", "/v1/files/" + completed.get("output_file_id").asText(), null)
                .json();
        assertThat(outputFile.get("purpose").asText()).isEqualTo("batch_output");
        assertThat(outputFile.get("bytes").asLong()).isPositive();
    }

    @Test
    void shouldReportCachedTokensInABatchOnlyForModelsOpenAiPricesThemForAndOnlyAsCachedBefore() {
        start(SimConfig.defaults());
        String shared = "Policy clause for every ticket. ".repeat(300);
        for (String model : List.of("gpt-5-mini", "gpt-4.1-mini")) {
            assertThat(http.openAi(cachedBody(model, shared, "Warm?")).status())
                    .isEqualTo(200); // a sync call caches the prefix
        }

        JsonNode batch = createBatch(
                uploadLines(
                        cachedLine("g5", "gpt-5-mini", shared, "One?"),
                        cachedLine("g41", "gpt-4.1-mini", shared, "Two?")),
                null);
        JsonNode completed = at(10_000, batch);
        Map<String, JsonNode> byId = new java.util.HashMap<>();
        fileLines(completed.get("output_file_id").asText())
                .forEach(l -> byId.put(l.get("custom_id").asText(), l));

        int g5 = byId.get("g5")
                .at("/response/body/usage/prompt_tokens_details/cached_tokens")
                .asInt();
        assertThat(g5).as("gpt-5-mini: OpenAI prices cached input in a batch").isGreaterThanOrEqualTo(1024);
        assertThat(byId.get("g41")
                        .at("/response/body/usage/prompt_tokens_details/cached_tokens")
                        .asInt())
                .as("gpt-4.1-mini: no batch cached-input price, no cached tokens")
                .isZero();
        assertThat(completed.at("/usage/input_tokens_details/cached_tokens").asInt())
                .isEqualTo(g5);
    }

    private static String cachedBody(String model, String system, String question) {
        return "{\"model\":" + SimHttp.quote(model) + ",\"messages\":[{\"role\":\"system\",\"content\":"
                + SimHttp.quote(system) + "},{\"role\":\"user\",\"content\":" + SimHttp.quote(question) + "}]}";
    }

    private static String cachedLine(String customId, String model, String system, String question) {
        return "{\"custom_id\":\"" + customId + "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
                + cachedBody(model, system, question) + "}";
    }

    @Test
    void shouldEndExpiredWithFailedAndExpiredLinesInTheErrorFile() {
        start(SimConfig.defaults());
        String invalidBody = "{\"custom_id\":\"hot\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
                + "{\"model\":\"gpt-4o-mini\",\"temperature\":3,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}";
        String fileId = uploadLines(
                line("ok", "Fine."),
                invalidBody,
                line("boom", "Please [sim:batch-fail] now"),
                line("late", "Too slow [sim:batch-expire]"));

        JsonNode created = createBatch(fileId, null);
        JsonNode afterLastLine = at(9_500, created);
        JsonNode ended = at(10_000, created);

        assertThat(afterLastLine.get("status").asText()).isEqualTo("in_progress");
        assertThat(ended.get("status").asText()).isEqualTo("expired");
        assertThat(ended.get("expired_at").asLong()).isEqualTo(START / 1000 + 10);
        assertThat(ended.get("finalizing_at").isNull()).isTrue();
        assertThat(counts(ended)).containsExactly(4, 1, 2);
        assertThat(fileLines(ended.get("output_file_id").asText()))
                .extracting(l -> l.get("custom_id").asText())
                .containsExactly("ok");
        Map<String, JsonNode> errors =
                byCustomId(fileLines(ended.get("error_file_id").asText()));
        assertThat(errors).containsOnlyKeys("hot", "boom", "late");
        assertThat(errors.get("hot").at("/response/status_code").asInt()).isEqualTo(400);
        assertThat(errors.get("hot").at("/response/body/error/param").asText()).isEqualTo("temperature");
        assertThat(errors.get("hot").at("/response/body/error/code").asText()).isEqualTo("decimal_above_max_value");
        assertThat(errors.get("boom").at("/response/status_code").asInt()).isEqualTo(500);
        assertThat(errors.get("boom").at("/response/body/error/type").asText()).isEqualTo("server_error");
        assertThat(errors.get("boom").get("error").isNull()).isTrue();
        assertThat(errors.get("late").get("response").isNull()).isTrue();
        assertThat(errors.get("late").at("/error/code").asText()).isEqualTo("batch_expired");
        assertThat(errors.get("late").at("/error/message").asText()).isNotBlank();
    }

    @Test
    void shouldFailValidationListingEveryBadLine() {
        start(SimConfig.defaults());
        String fileId = uploadLines(
                line("a", "one"),
                "{not json",
                line("a", "dup"),
                line("w", "x").replace("/v1/chat/completions", "/v1/embeddings"),
                line("m", "x").replace("POST", "GET"),
                "{\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{}}");

        JsonNode created = createBatch(fileId, null);
        JsonNode validating = at(999, created);
        JsonNode failed = at(1_000, created);

        assertThat(validating.get("status").asText()).isEqualTo("validating");
        assertThat(failed.get("status").asText()).isEqualTo("failed");
        assertThat(failed.get("failed_at").asLong()).isEqualTo(START / 1000 + 1);
        assertThat(failed.get("in_progress_at").isNull()).isTrue();
        assertThat(failed.get("output_file_id").isNull()).isTrue();
        assertThat(counts(failed)).containsExactly(0, 0, 0);
        assertThat(failed.at("/errors/object").asText()).isEqualTo("list");
        List<String> codes = new ArrayList<>();
        failed.at("/errors/data")
                .forEach(e ->
                        codes.add(e.get("code").asText() + "@" + e.get("line").asInt()));
        assertThat(codes)
                .containsExactly(
                        "invalid_json_line@2",
                        "duplicate_custom_id@3",
                        "invalid_url@4",
                        "invalid_method@5",
                        "missing_required_parameter@6");
        assertThat(at(20_000, created).get("status").asText()).isEqualTo("failed");
    }

    @Test
    void shouldFailAFileOfMoreThanFiftyThousandRequests() {
        start(SimConfig.defaults());
        StringBuilder file = new StringBuilder();
        for (int i = 0; i <= OpenAiBatchInput.MAX_LINES; i++) {
            file.append(line("r" + i, "q")).append('\n');
        }
        String fileId = upload("many.jsonl", file.toString());

        JsonNode failed = at(1_000, createBatch(fileId, null));

        assertThat(failed.get("status").asText()).isEqualTo("failed");
        assertThat(failed.at("/errors/data/0/code").asText()).isEqualTo("too_many_requests");
        assertThat(failed.at("/errors/data/0/message").asText())
                .contains("50001")
                .contains("50000");
    }

    @Test
    void shouldFailAFileOverTheBatchSizeLimit() {
        simulator = ProviderSimulator.start(
                SimConfig.defaults().withApiKeys(java.util.Set.of(SimHttp.OPENAI_KEY)),
                clock::get,
                new BatchLimits(1 << 20, 300, 1 << 20));
        http = new SimHttp(simulator);
        String fileId = uploadLines(line("a", "x".repeat(200)), line("b", "y".repeat(200)));

        JsonNode failed = at(1_000, createBatch(fileId, null));

        assertThat(failed.get("status").asText()).isEqualTo("failed");
        assertThat(failed.at("/errors/data/0/code").asText()).isEqualTo("file_too_large");
    }

    @Test
    void shouldCancelWithPartialResults() {
        start(SimConfig.defaults());
        String fileId = uploadLines(line("a", "1"), line("b", "2"), line("c", "3"), line("d", "4"));
        JsonNode created = createBatch(fileId, null);
        clock.set(START + 5_000);

        JsonNode cancelling = http.openAiCall(
                        "POST", "/v1/batches/" + created.get("id").asText() + "/cancel", "")
                .json();
        JsonNode stillCancelling = at(5_999, created);
        JsonNode cancelled = at(6_000, created);
        JsonNode later = at(60_000, created);

        assertThat(cancelling.get("status").asText()).isEqualTo("cancelling");
        assertThat(cancelling.get("cancelling_at").asLong()).isEqualTo(START / 1000 + 5);
        assertThat(stillCancelling.get("status").asText()).isEqualTo("cancelling");
        assertThat(cancelled.get("status").asText()).isEqualTo("cancelled");
        assertThat(cancelled.get("cancelled_at").asLong()).isEqualTo(START / 1000 + 6);
        assertThat(counts(cancelled)).containsExactly(4, 2, 0);
        assertThat(counts(later)).containsExactly(4, 2, 0);
        assertThat(fileLines(cancelled.get("output_file_id").asText()))
                .extracting(l -> l.get("custom_id").asText())
                .containsExactly("a", "b");
        List<JsonNode> errors = fileLines(cancelled.get("error_file_id").asText());
        assertThat(errors).extracting(l -> l.get("custom_id").asText()).containsExactly("c", "d");
        assertThat(errors)
                .allSatisfy(l -> assertThat(l.at("/error/code").asText()).isEqualTo("batch_cancelled"));
        SimHttp.Reply again =
                http.openAiCall("POST", "/v1/batches/" + created.get("id").asText() + "/cancel", "");
        assertThat(again.status()).isEqualTo(400);
        assertThat(again.json().at("/error/message").asText()).contains("cancelled");
    }

    @Test
    void shouldDrawLineFailuresAndExpiriesFromTheSeedAndCustomIdSoAResubmissionEndsTheSame() {
        start(SimConfig.defaults().withBatchLineRates(0.3, 0.2));
        String[] lines = new String[200];
        for (int i = 0; i < lines.length; i++) {
            lines[i] = line("job-" + i, "Question " + i);
        }
        String fileId = uploadLines(lines);

        JsonNode first = createBatch(fileId, null);
        JsonNode second = createBatch(fileId, null);
        Map<String, String> firstOutcomes = outcomes(at(10_000, first));
        Map<String, String> secondOutcomes = outcomes(at(10_000, second));
        SimStats stats = simulator.stats();

        Map<String, Long> tally = new HashMap<>();
        firstOutcomes.values().forEach(o -> tally.merge(o, 1L, Long::sum));
        // Binomial(200, p): these bounds are more than four standard deviations wide.
        assertThat(tally.get("500")).isBetween(35L, 85L);
        assertThat(tally.get("batch_expired")).isBetween(17L, 63L);
        assertThat(tally.get("200")).isBetween(70L, 130L);
        assertThat(secondOutcomes).isEqualTo(firstOutcomes);
        assertThat(at(10_000, first).get("status").asText()).isEqualTo("expired");
        assertThat(stats.batchesCreated("openai")).isEqualTo(2);
        assertThat(stats.batchLines("succeeded")).isEqualTo(2 * tally.get("200"));
        assertThat(stats.batchLines("errored")).isEqualTo(2 * tally.get("500"));
        assertThat(stats.batchLines("expired")).isEqualTo(2 * tally.get("batch_expired"));
        assertThat(stats.resubmittedCustomIds()).isEqualTo(200);
    }

    @Test
    void shouldCountLinesInStatsWithoutAnyonePollingAndNoResubmissionForDistinctIds() {
        start(SimConfig.defaults());
        createBatch(uploadLines(line("x1", "a"), line("x2", "b [sim:batch-fail]")), null);
        createBatch(uploadLines(line("y1", "c")), null);
        clock.set(START + 10_000);

        SimStats stats = simulator.stats();
        JsonNode viaHttp = http.get("/sim/stats").json();

        assertThat(stats.batchesCreated("openai")).isEqualTo(2);
        assertThat(stats.batchLines("succeeded")).isEqualTo(2);
        assertThat(stats.batchLines("errored")).isEqualTo(1);
        assertThat(stats.resubmittedCustomIds()).isZero();
        assertThat(viaHttp.at("/batchesCreatedByProtocol/openai").asLong()).isEqualTo(2);
        assertThat(viaHttp.at("/batchLinesByOutcome/succeeded").asLong()).isEqualTo(2);
        assertThat(viaHttp.get("resubmittedCustomIds").asLong()).isZero();
    }

    @Test
    void shouldListBatchesNewestFirstInPages() {
        start(SimConfig.defaults());
        String fileId = uploadLines(line("a", "x"));
        String first = createBatch(fileId, null).get("id").asText();
        String second = createBatch(fileId, null).get("id").asText();
        String third = createBatch(fileId, null).get("id").asText();

        JsonNode page1 = http.openAiCall("GET", "/v1/batches?limit=2", null).json();
        JsonNode page2 = http.openAiCall(
                        "GET",
                        "/v1/batches?limit=2&after=" + page1.get("last_id").asText(),
                        null)
                .json();

        assertThat(page1.get("object").asText()).isEqualTo("list");
        assertThat(page1.get("data")).extracting(b -> b.get("id").asText()).containsExactly(third, second);
        assertThat(page1.get("first_id").asText()).isEqualTo(third);
        assertThat(page1.get("last_id").asText()).isEqualTo(second);
        assertThat(page1.get("has_more").asBoolean()).isTrue();
        assertThat(page2.get("data")).extracting(b -> b.get("id").asText()).containsExactly(first);
        assertThat(page2.get("has_more").asBoolean()).isFalse();
        assertThat(http.openAiCall("GET", "/v1/batches?limit=0", null)
                        .json()
                        .at("/error/param")
                        .asText())
                .isEqualTo("limit");
    }

    @Test
    void shouldRejectBadCreateCallsAsTheApiDoes() {
        start(SimConfig.defaults());
        String fileId = uploadLines(line("a", "x"));
        String userData = upload("notes.jsonl", line("a", "x"), "user_data");

        SimHttp.Reply window = create("{\"input_file_id\":\"" + fileId
                + "\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"48h\"}");
        SimHttp.Reply endpoint = create(
                "{\"input_file_id\":\"" + fileId + "\",\"endpoint\":\"/v1/embeddings\",\"completion_window\":\"24h\"}");
        SimHttp.Reply unknownEndpoint = create(
                "{\"input_file_id\":\"" + fileId + "\",\"endpoint\":\"/v1/images\",\"completion_window\":\"24h\"}");
        SimHttp.Reply missing = create("{\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}");
        SimHttp.Reply purpose = create("{\"input_file_id\":\"" + userData
                + "\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}");
        SimHttp.Reply unknownFile = create(
                "{\"input_file_id\":\"file-nope\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}");
        StringBuilder tooMuch = new StringBuilder("{");
        for (int i = 0; i < 17; i++) {
            tooMuch.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
        }
        SimHttp.Reply metadata = create("{\"input_file_id\":\"" + fileId + "\",\"endpoint\":\"/v1/chat/completions\","
                + "\"completion_window\":\"24h\",\"metadata\":" + tooMuch + "}}");

        assertError(window, 400, "completion_window");
        assertThat(window.json().at("/error/message").asText()).contains("'24h'");
        assertError(endpoint, 400, "endpoint");
        assertError(unknownEndpoint, 400, "endpoint");
        assertError(missing, 400, "input_file_id");
        assertThat(missing.json().at("/error/code").asText()).isEqualTo("missing_required_parameter");
        assertError(purpose, 400, "input_file_id");
        assertThat(purpose.json().at("/error/message").asText()).contains("purpose 'batch'");
        assertError(unknownFile, 404, "input_file_id");
        assertError(metadata, 400, "metadata");
        assertThat(simulator.stats().batchesCreated("openai")).isZero();
    }

    @Test
    void shouldAnswerUnknownBatchAndFileIdsWith404() {
        start(SimConfig.defaults());

        SimHttp.Reply batch = http.openAiCall("GET", "/v1/batches/batch_nope", null);
        SimHttp.Reply cancel = http.openAiCall("POST", "/v1/batches/batch_nope/cancel", "");
        SimHttp.Reply file = http.openAiCall("GET", "/v1/files/file-nope", null);
        SimHttp.Reply content = http.openAiCall("GET", "/v1/files/file-nope/content", null);

        assertThat(batch.status()).isEqualTo(404);
        assertThat(batch.json().at("/error/message").asText()).isEqualTo("No batch found with id 'batch_nope'.");
        assertThat(batch.json().at("/error/type").asText()).isEqualTo("invalid_request_error");
        assertThat(cancel.status()).isEqualTo(404);
        assertError(file, 404, "id");
        assertThat(file.json().at("/error/message").asText()).isEqualTo("No such File object: file-nope");
        assertThat(content.status()).isEqualTo(404);
    }

    @Test
    void shouldStoreUploadsAndRejectBadOnes() {
        start(SimConfig.defaults());
        byte[] content = (line("a", "x") + "\n").getBytes(StandardCharsets.UTF_8);

        SimHttp.Reply uploaded = http.upload("in.jsonl", "batch", content);
        SimHttp.Reply shortLived = http.upload(
                "in.jsonl", "batch", content, "expires_after[anchor]", "created_at", "expires_after[seconds]", "7200");
        SimHttp.Reply noPurpose = http.upload("in.jsonl", null, content);
        SimHttp.Reply badPurpose = http.upload("in.jsonl", "batches", content);
        SimHttp.Reply notJsonl = http.upload("in.csv", "batch", content);
        SimHttp.Reply noFile = http.upload("in.jsonl", "batch", null);
        SimHttp.Reply badExpiry = http.upload(
                "in.jsonl", "batch", content, "expires_after[anchor]", "created_at", "expires_after[seconds]", "60");

        JsonNode file = uploaded.json();
        assertThat(uploaded.status()).as(uploaded.body()).isEqualTo(200);
        assertThat(file.get("id").asText()).startsWith("file-");
        assertThat(file.get("object").asText()).isEqualTo("file");
        assertThat(file.get("bytes").asLong()).isEqualTo(content.length);
        assertThat(file.get("filename").asText()).isEqualTo("in.jsonl");
        assertThat(file.get("purpose").asText()).isEqualTo("batch");
        assertThat(file.get("created_at").asLong()).isEqualTo(START / 1000);
        assertThat(file.get("expires_at").asLong()).isEqualTo(START / 1000 + 30L * 86_400);
        assertThat(shortLived.json().get("expires_at").asLong()).isEqualTo(START / 1000 + 7200);
        assertThat(http.openAiCall("GET", "/v1/files/" + file.get("id").asText(), null)
                        .json())
                .isEqualTo(file);
        assertThat(http.openAiCall("GET", "/v1/files/" + file.get("id").asText() + "/content", null)
                        .body())
                .isEqualTo(new String(content, StandardCharsets.UTF_8));
        assertError(noPurpose, 400, "purpose");
        assertError(badPurpose, 400, "purpose");
        assertError(notJsonl, 400, "file");
        assertError(noFile, 400, "file");
        assertError(badExpiry, 400, "expires_after[seconds]");
    }

    @Test
    void shouldRefuseAnUnknownKeyExactlyAsTheSyncEndpointDoes() {
        start(SimConfig.defaults());

        SimHttp.Reply sync = http.send(
                "POST", "/v1/chat/completions", SimHttp.openAiBody("x"), "Authorization", "Bearer sk-wrong-0000000000");
        SimHttp.Reply batches = http.send("GET", "/v1/batches", null, "Authorization", "Bearer sk-wrong-0000000000");
        SimHttp.Reply files = http.send("GET", "/v1/files/file-x", null);

        assertThat(batches.status()).isEqualTo(401);
        assertThat(batches.json()).isEqualTo(sync.json());
        assertThat(files.status()).isEqualTo(401);
        assertThat(files.json().at("/error/message").asText()).startsWith("You didn't provide an API key.");
    }

    private void start(SimConfig config) {
        simulator = ProviderSimulator.start(config.withApiKeys(java.util.Set.of(SimHttp.OPENAI_KEY)), clock::get);
        http = new SimHttp(simulator);
    }

    static String line(String customId, String prompt) {
        return "{\"custom_id\":\"" + customId + "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
                + SimHttp.openAiBody(prompt) + "}";
    }

    private String uploadLines(String... lines) {
        return upload("input.jsonl", String.join("\n", lines) + "\n");
    }

    private String upload(String filename, String content) {
        return upload(filename, content, "batch");
    }

    private String upload(String filename, String content, String purpose) {
        SimHttp.Reply reply = http.upload(filename, purpose, content.getBytes(StandardCharsets.UTF_8));
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json().get("id").asText();
    }

    private SimHttp.Reply create(String body) {
        return http.openAiCall("POST", "/v1/batches", body);
    }

    private JsonNode createBatch(String fileId, String metadata) {
        SimHttp.Reply reply = create("{\"input_file_id\":\"" + fileId + "\",\"endpoint\":\"/v1/chat/completions\","
                + "\"completion_window\":\"24h\"" + (metadata == null ? "" : ",\"metadata\":" + metadata) + "}");
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json();
    }

    private JsonNode at(long offsetMs, JsonNode batch) {
        clock.set(START + offsetMs);
        SimHttp.Reply reply =
                http.openAiCall("GET", "/v1/batches/" + batch.get("id").asText(), null);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json();
    }

    private static List<Integer> counts(JsonNode batch) {
        JsonNode counts = batch.get("request_counts");
        return List.of(
                counts.get("total").asInt(),
                counts.get("completed").asInt(),
                counts.get("failed").asInt());
    }

    private List<JsonNode> fileLines(String fileId) {
        SimHttp.Reply reply = http.openAiCall("GET", "/v1/files/" + fileId + "/content", null);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        List<JsonNode> lines = new ArrayList<>();
        for (String line : reply.body().split("\n")) {
            lines.add(new SimHttp.Reply(200, reply.headers(), line).json());
        }
        return lines;
    }

    private static Map<String, JsonNode> byCustomId(List<JsonNode> lines) {
        Map<String, JsonNode> result = new HashMap<>();
        lines.forEach(l -> result.put(l.get("custom_id").asText(), l));
        return result;
    }

    /** custom_id → the response status, or the error code of a line without a response. */
    private Map<String, String> outcomes(JsonNode batch) {
        Map<String, String> outcomes = new HashMap<>();
        for (String key : List.of("output_file_id", "error_file_id")) {
            if (!batch.get(key).isNull()) {
                for (JsonNode line : fileLines(batch.get(key).asText())) {
                    outcomes.put(
                            line.get("custom_id").asText(),
                            line.get("response").isNull()
                                    ? line.at("/error/code").asText()
                                    : line.at("/response/status_code").asText());
                }
            }
        }
        return outcomes;
    }

    private static void assertError(SimHttp.Reply reply, int status, String param) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(status);
        assertThat(reply.json().at("/error/type").asText()).isEqualTo("invalid_request_error");
        assertThat(reply.json().at("/error/param").asText()).isEqualTo(param);
    }
}
