package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Message batches over real HTTP, on a clock the test moves. With the default 10 s processing
 * time, four requests finish at 2.5, 5, 7.5 and 10 s and the batch ends at 10 s.
 */
class AnthropicBatchTest {

    private static final long START = Instant.parse("2026-03-02T09:00:00Z").toEpochMilli();
    private static final String BATCHES = "/v1/messages/batches";

    private final AtomicLong clock = new AtomicLong(START);
    private ProviderSimulator simulator;
    private SimHttp http;

    @AfterEach
    void stop() {
        simulator.close();
    }

    @Test
    void shouldStayInProgressUntilTheEndThenServeSyncIdenticalResults() {
        start(SimConfig.defaults());

        JsonNode created = createBatch(
                request("a", "Alpha?"), request("b", "Beta?"), request("c", "Gamma?"), request("d", "Delta?"));
        SimHttp.Reply resultsTooEarly =
                http.anthropicCall("GET", BATCHES + "/" + created.get("id").asText() + "/results", null);
        JsonNode halfway = at(5_000, created);
        JsonNode ended = at(10_000, created);

        assertThat(created.get("id").asText()).startsWith("msgbatch_");
        assertThat(created.get("type").asText()).isEqualTo("message_batch");
        assertThat(created.get("processing_status").asText()).isEqualTo("in_progress");
        assertThat(created.get("created_at").asText()).isEqualTo("2026-03-02T09:00:00Z");
        assertThat(created.get("expires_at").asText()).isEqualTo("2026-03-03T09:00:00Z");
        assertThat(created.get("results_url").isNull()).isTrue();
        assertThat(created.get("ended_at").isNull()).isTrue();
        assertThat(created.get("archived_at").isNull()).isTrue();
        assertThat(created.get("cancel_initiated_at").isNull()).isTrue();
        assertThat(counts(created)).containsExactly(4, 0, 0, 0, 0);
        assertThat(resultsTooEarly.status()).isEqualTo(404);
        assertThat(resultsTooEarly.json().at("/error/type").asText()).isEqualTo("not_found_error");
        assertThat(halfway.get("processing_status").asText()).isEqualTo("in_progress");
        assertThat(counts(halfway))
                .as("counts stay in processing until the batch ends")
                .containsExactly(4, 0, 0, 0, 0);
        assertThat(ended.get("processing_status").asText()).isEqualTo("ended");
        assertThat(ended.get("ended_at").asText()).isEqualTo("2026-03-02T09:00:10Z");
        assertThat(counts(ended)).containsExactly(0, 4, 0, 0, 0);
        assertThat(ended.get("results_url").asText())
                .isEqualTo(
                        simulator.baseUrl() + BATCHES + "/" + created.get("id").asText() + "/results");

        SimHttp.Reply results =
                http.anthropicCall("GET", BATCHES + "/" + created.get("id").asText() + "/results", null);
        Map<String, JsonNode> byId = results(results);
        assertThat(byId).containsOnlyKeys("a", "b", "c", "d");
        JsonNode message = byId.get("a").at("/result/message");
        JsonNode sync = http.anthropic(SimHttp.anthropicBody("Alpha?")).json();
        assertThat(byId.get("a").at("/result/type").asText()).isEqualTo("succeeded");
        assertThat(message.get("type").asText()).isEqualTo("message");
        assertThat(message.get("id").asText()).startsWith("msg_");
        assertThat(message.at("/content/0/text").asText())
                .isEqualTo(sync.at("/content/0/text").asText());
        assertThat(message.get("usage")).isEqualTo(sync.get("usage"));
    }

    @Test
    void shouldLetBatchLinesReadOnlyWhatWasCachedBeforeTheBatch() {
        start(SimConfig.defaults());
        String shared = "Policy clause for every ticket. ".repeat(300);

        // A cold batch: its lines run at once and none sees another's write, so each writes the prefix
        Map<String, JsonNode> cold = ended(
                createBatch(
                        cachedLine("c1", shared, "One?"),
                        cachedLine("c2", shared, "Two?"),
                        cachedLine("c3", shared, "Three?")),
                10_000);
        // The next batch, within five minutes, reads what the first wrote
        Map<String, JsonNode> warm =
                ended(createBatch(cachedLine("w1", shared, "Four?"), cachedLine("w2", shared, "Five?")), 20_000);

        for (String id : List.of("c1", "c2", "c3")) {
            JsonNode usage = cold.get(id).at("/result/message/usage");
            assertThat(usage.get("cache_read_input_tokens").asInt()).as(id).isZero();
            assertThat(usage.get("cache_creation_input_tokens").asInt()).as(id).isGreaterThan(1024);
        }
        int prefix = cold.get("c1")
                .at("/result/message/usage/cache_creation_input_tokens")
                .asInt();
        for (String id : List.of("w1", "w2")) {
            JsonNode usage = warm.get(id).at("/result/message/usage");
            assertThat(usage.get("cache_read_input_tokens").asInt()).as(id).isEqualTo(prefix);
            assertThat(usage.get("cache_creation_input_tokens").asInt()).as(id).isZero();
        }
    }

    private static String cachedLine(String customId, String system, String question) {
        return "{\"custom_id\":" + SimHttp.quote(customId) + ",\"params\":{\"model\":\"claude-sonnet-4-5\","
                + "\"max_tokens\":50,\"system\":[{\"type\":\"text\",\"text\":" + SimHttp.quote(system)
                + ",\"cache_control\":{\"type\":\"ephemeral\"}}],\"messages\":[{\"role\":\"user\",\"content\":"
                + SimHttp.quote(question) + "}]}}";
    }

    /** The batch's results once its processing time has passed, {@code offsetMs} after the start. */
    private Map<String, JsonNode> ended(JsonNode batch, long offsetMs) {
        assertThat(at(offsetMs, batch).get("processing_status").asText()).isEqualTo("ended");
        return results(http.anthropicCall("GET", BATCHES + "/" + batch.get("id").asText() + "/results", null));
    }

    @Test
    void shouldEndWithErroredAndExpiredResults() {
        start(SimConfig.defaults());
        String invalid =
                "{\"custom_id\":\"bad\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}}";

        JsonNode created = createBatch(
                request("ok", "Fine."),
                invalid,
                request("boom", "[sim:batch-fail] please"),
                request("late", "slow [sim:batch-expire]"));
        JsonNode beforeEnd = at(9_999, created);
        JsonNode ended = at(10_000, created);
        Map<String, JsonNode> results = results(
                http.anthropicCall("GET", BATCHES + "/" + created.get("id").asText() + "/results", null));

        assertThat(beforeEnd.get("processing_status").asText()).isEqualTo("in_progress");
        assertThat(counts(ended)).containsExactly(0, 1, 2, 0, 1);
        assertThat(results.get("ok").at("/result/type").asText()).isEqualTo("succeeded");
        JsonNode bad = results.get("bad").at("/result");
        assertThat(bad.get("type").asText()).isEqualTo("errored");
        assertThat(bad.at("/error/type").asText()).isEqualTo("error");
        assertThat(bad.at("/error/error/type").asText()).isEqualTo("invalid_request_error");
        assertThat(bad.at("/error/error/message").asText()).isEqualTo("max_tokens: Field required");
        assertThat(bad.at("/error/request_id").asText()).startsWith("req_01");
        assertThat(results.get("boom").at("/result/error/error/type").asText()).isEqualTo("api_error");
        assertThat(results.get("late").get("result").toString()).isEqualTo("{\"type\":\"expired\"}");
    }

    @Test
    void shouldCancelWithPartialResults() {
        start(SimConfig.defaults());
        JsonNode created = createBatch(request("a", "1"), request("b", "2"), request("c", "3"), request("d", "4"));
        String id = created.get("id").asText();
        clock.set(START + 5_000);

        JsonNode canceling =
                http.anthropicCall("POST", BATCHES + "/" + id + "/cancel", "").json();
        JsonNode stillCanceling = at(5_999, created);
        JsonNode ended = at(6_000, created);
        Map<String, JsonNode> results = results(http.anthropicCall("GET", BATCHES + "/" + id + "/results", null));
        SimHttp.Reply again = http.anthropicCall("POST", BATCHES + "/" + id + "/cancel", "");

        assertThat(canceling.get("processing_status").asText()).isEqualTo("canceling");
        assertThat(canceling.get("cancel_initiated_at").asText()).isEqualTo("2026-03-02T09:00:05Z");
        assertThat(counts(canceling)).containsExactly(4, 0, 0, 0, 0);
        assertThat(stillCanceling.get("processing_status").asText()).isEqualTo("canceling");
        assertThat(ended.get("processing_status").asText()).isEqualTo("ended");
        assertThat(counts(ended)).containsExactly(0, 2, 0, 2, 0);
        assertThat(results.get("b").at("/result/type").asText()).isEqualTo("succeeded");
        assertThat(results.get("c").get("result").toString()).isEqualTo("{\"type\":\"canceled\"}");
        assertThat(again.status()).isEqualTo(400);
    }

    @Test
    void shouldDeleteOnlyAnEndedBatch() {
        start(SimConfig.defaults());
        String id = createBatch(request("a", "1")).get("id").asText();

        SimHttp.Reply early = http.anthropicCall("DELETE", BATCHES + "/" + id, null);
        clock.set(START + 10_000);
        SimHttp.Reply deleted = http.anthropicCall("DELETE", BATCHES + "/" + id, null);
        SimHttp.Reply gone = http.anthropicCall("GET", BATCHES + "/" + id, null);

        assertThat(early.status()).isEqualTo(400);
        assertThat(early.json().at("/error/type").asText()).isEqualTo("invalid_request_error");
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.json().toString()).isEqualTo("{\"id\":\"" + id + "\",\"type\":\"message_batch_deleted\"}");
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.json().at("/error/type").asText()).isEqualTo("not_found_error");
    }

    @Test
    void shouldListNewestFirstWithAfterAndBeforeCursors() {
        start(SimConfig.defaults());
        String first = createBatch(request("a", "1")).get("id").asText();
        String second = createBatch(request("a", "1")).get("id").asText();
        String third = createBatch(request("a", "1")).get("id").asText();

        JsonNode page1 = http.anthropicCall("GET", BATCHES + "?limit=2", null).json();
        JsonNode page2 = http.anthropicCall(
                        "GET",
                        BATCHES + "?limit=2&after_id=" + page1.get("last_id").asText(),
                        null)
                .json();
        JsonNode back = http.anthropicCall("GET", BATCHES + "?limit=1&before_id=" + first, null)
                .json();

        assertThat(page1.get("data")).extracting(b -> b.get("id").asText()).containsExactly(third, second);
        assertThat(page1.get("has_more").asBoolean()).isTrue();
        assertThat(page1.get("first_id").asText()).isEqualTo(third);
        assertThat(page1.get("last_id").asText()).isEqualTo(second);
        assertThat(page2.get("data")).extracting(b -> b.get("id").asText()).containsExactly(first);
        assertThat(page2.get("has_more").asBoolean()).isFalse();
        assertThat(back.get("data")).extracting(b -> b.get("id").asText()).containsExactly(second);
        assertThat(back.get("has_more").asBoolean()).isTrue();
    }

    @Test
    void shouldRejectABadEnvelopeAsAWhole() {
        start(SimConfig.defaults());

        assertInvalid(
                create("{\"requests\":[]}"), "requests: List should have at least 1 item after validation, not 0");
        assertInvalid(create("{\"requests\":[" + request("a", "1") + "," + request("a", "2") + "]}"), "'a'");
        assertInvalid(
                create("{\"requests\":[" + request("has space", "1") + "]}"),
                "requests.0.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'");
        assertInvalid(create("{\"requests\":[" + request("x".repeat(65), "1") + "]}"), "requests.0.custom_id");
        assertInvalid(
                create(
                        "{\"requests\":[{\"custom_id\":\"s\",\"params\":{\"stream\":true,\"model\":\"m\",\"max_tokens\":5,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}}]}"),
                "requests.0.params.stream");
        assertInvalid(create("{}"), "requests: Field required");
        StringBuilder many = new StringBuilder("{\"requests\":[");
        for (int i = 0; i <= AnthropicBatchesApi.MAX_REQUESTS; i++) {
            many.append(i == 0 ? "" : ",")
                    .append("{\"custom_id\":\"r")
                    .append(i)
                    .append("\",\"params\":{}}");
        }
        assertInvalid(create(many.append("]}").toString()), "at most 100000 items after validation, not 100001");
        assertThat(simulator.stats().batchesCreated("anthropic")).isZero();
    }

    @Test
    void shouldAnswerABodyOverTheBatchLimitWith413RequestTooLarge() {
        simulator = ProviderSimulator.start(SimConfig.defaults(), clock::get, new BatchLimits(1 << 20, 1 << 20, 500));
        http = new SimHttp(simulator);

        SimHttp.Reply reply = create("{\"requests\":[" + request("a", "x".repeat(600)) + "]}");

        assertThat(reply.status()).isEqualTo(413);
        assertThat(reply.json().at("/error/type").asText()).isEqualTo("request_too_large");
        assertThat(reply.json().get("request_id").asText()).isEqualTo(reply.header("request-id"));
    }

    @Test
    void shouldAnswerUnknownIdsAndMissingAuthAsTheMessagesEndpointDoes() {
        start(SimConfig.defaults().withApiKeys(Set.of(SimHttp.ANTHROPIC_KEY)));

        SimHttp.Reply unknown = http.anthropicCall("GET", BATCHES + "/msgbatch_nope", null);
        SimHttp.Reply unknownResults = http.anthropicCall("GET", BATCHES + "/msgbatch_nope/results", null);
        SimHttp.Reply wrongKey =
                http.send("GET", BATCHES, null, "x-api-key", "sk-ant-wrong", "anthropic-version", "2023-06-01");
        SimHttp.Reply syncWrongKey = http.anthropicAs("sk-ant-wrong", SimHttp.anthropicBody("x"));
        SimHttp.Reply noVersion = http.send("GET", BATCHES, null, "x-api-key", SimHttp.ANTHROPIC_KEY);

        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().at("/error/type").asText()).isEqualTo("not_found_error");
        assertThat(unknownResults.status()).isEqualTo(404);
        assertThat(wrongKey.status()).isEqualTo(401);
        assertThat(wrongKey.json().get("error")).isEqualTo(syncWrongKey.json().get("error"));
        assertThat(noVersion.status()).isEqualTo(400);
        assertThat(noVersion.json().at("/error/message").asText()).isEqualTo("anthropic-version: header is required");
    }

    @Test
    void shouldCountBatchesLinesAndResubmittedCustomIds() {
        start(SimConfig.defaults().withBatchLineRates(0.25, 0.25));
        List<String> requests = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            requests.add(request("job-" + i, "Question " + i));
        }
        String firstId = createBatch(requests.toArray(String[]::new)).get("id").asText();
        String otherId =
                createBatch(request("other", "x [sim:batch-fail]")).get("id").asText();
        clock.set(START + 10_000);
        Map<String, JsonNode> first = results(http.anthropicCall("GET", BATCHES + "/" + firstId + "/results", null));
        Map<String, JsonNode> other = results(http.anthropicCall("GET", BATCHES + "/" + otherId + "/results", null));
        String secondId = createBatch(requests.toArray(String[]::new)).get("id").asText();
        clock.set(START + 20_000);
        Map<String, JsonNode> second = results(http.anthropicCall("GET", BATCHES + "/" + secondId + "/results", null));

        SimStats stats = simulator.stats();

        Map<String, Long> tally = new HashMap<>();
        first.values().forEach(r -> tally.merge(r.at("/result/type").asText(), 1L, Long::sum));
        assertThat(tally).containsKeys("succeeded", "errored", "expired");
        second.forEach((id, r) -> assertThat(r.at("/result/type").asText())
                .as(id)
                .isEqualTo(first.get(id).at("/result/type").asText()));
        assertThat(stats.batchesCreated("anthropic")).isEqualTo(3);
        assertThat(stats.resubmittedCustomIds()).isEqualTo(40);
        assertThat(other.get("other").at("/result/error/error/type").asText()).isEqualTo("api_error");
        assertThat(stats.batchLines("errored")).isEqualTo(2 * tally.get("errored") + 1);
        assertThat(stats.batchLines("expired")).isEqualTo(2 * tally.get("expired"));
        assertThat(stats.batchLines("succeeded")).isEqualTo(2 * tally.get("succeeded"));
    }

    private void start(SimConfig config) {
        simulator = ProviderSimulator.start(config, clock::get);
        http = new SimHttp(simulator);
    }

    static String request(String customId, String prompt) {
        return "{\"custom_id\":" + SimHttp.quote(customId) + ",\"params\":" + SimHttp.anthropicBody(prompt) + "}";
    }

    private SimHttp.Reply create(String body) {
        return http.anthropicCall("POST", BATCHES, body);
    }

    private JsonNode createBatch(String... requests) {
        SimHttp.Reply reply = create("{\"requests\":[" + String.join(",", requests) + "]}");
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json();
    }

    private JsonNode at(long offsetMs, JsonNode batch) {
        clock.set(START + offsetMs);
        SimHttp.Reply reply =
                http.anthropicCall("GET", BATCHES + "/" + batch.get("id").asText(), null);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json();
    }

    /** processing, succeeded, errored, canceled, expired. */
    private static List<Integer> counts(JsonNode batch) {
        JsonNode c = batch.get("request_counts");
        return List.of(
                c.get("processing").asInt(),
                c.get("succeeded").asInt(),
                c.get("errored").asInt(),
                c.get("canceled").asInt(),
                c.get("expired").asInt());
    }

    private static Map<String, JsonNode> results(SimHttp.Reply reply) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        Map<String, JsonNode> byId = new HashMap<>();
        for (String line : reply.body().split("\n")) {
            JsonNode result = new SimHttp.Reply(200, reply.headers(), line).json();
            byId.put(result.get("custom_id").asText(), result);
        }
        return byId;
    }

    private static void assertInvalid(SimHttp.Reply reply, String message) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(400);
        assertThat(reply.json().at("/error/type").asText()).isEqualTo("invalid_request_error");
        assertThat(reply.json().at("/error/message").asText()).contains(message);
    }
}
