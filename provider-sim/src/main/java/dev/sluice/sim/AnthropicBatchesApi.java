package dev.sluice.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * {@code /v1/messages/batches}: create, retrieve, list, cancel, delete and results. The envelope
 * (the requests list, each custom_id, params being an object without {@code stream}) is checked
 * at create and a problem there rejects the whole batch; the Messages checks on each params run
 * as processing and a request that fails them ends {@code errored} with
 * {@code invalid_request_error}, as Anthropic documents its asynchronous params validation.
 */
final class AnthropicBatchesApi {

    static final int MAX_REQUESTS = 100_000;
    private static final Pattern CUSTOM_ID = Pattern.compile("^[a-zA-Z0-9_-]{1,64}$");

    final Stored<AnthropicBatch> batches = new Stored<>(b -> b.id);
    private final SimState state;
    private final AnthropicApi api;
    private final BatchLimits limits;
    private final Supplier<String> baseUrl;

    AnthropicBatchesApi(SimState state, AnthropicApi api, BatchLimits limits, Supplier<String> baseUrl) {
        this.state = state;
        this.api = api;
        this.limits = limits;
        this.baseUrl = baseUrl;
    }

    void create(Context ctx) {
        serve(ctx, config -> {
            JsonNode requests = requests(parse(ctx));
            long now = state.now();
            List<AnthropicRequest> parsed = new ArrayList<>();
            List<ApiException> invalid = new ArrayList<>();
            for (JsonNode request : requests) {
                try {
                    parsed.add(AnthropicRequest.parse(request.get("params")));
                    invalid.add(null);
                } catch (ApiException e) {
                    parsed.add(null);
                    invalid.add(e);
                }
            }
            // The lines run concurrently at the provider: each reads only what was cached before the batch.
            List<PromptCache.AnthropicUsage> cache = config.promptCache()
                    ? state.promptCache.anthropicBatch(AnthropicApi.authenticate(ctx, config), parsed, now)
                    : java.util.Collections.nCopies(parsed.size(), PromptCache.AnthropicUsage.NONE);
            List<BatchRun.Line> lines = new ArrayList<>();
            for (int i = 0; i < parsed.size(); i++) {
                lines.add(plan(
                        requests.get(i).get("custom_id").asText(),
                        parsed.get(i),
                        invalid.get(i),
                        cache.get(i),
                        config));
            }
            BatchRun run = new BatchRun(now, config.batchProcessingTime().toMillis(), BatchRun.Shape.ANTHROPIC, lines);
            AnthropicBatch batch = new AnthropicBatch(Ids.anthropicBatch(), run);
            batches.add(batch);
            state.stats.batchCreated("anthropic");
            state.stats.batchRun(
                    "anthropic", lines.stream().map(BatchRun.Line::customId).toList());
            state.respond(ctx, 200, view(batch, now));
        });
    }

    void retrieve(Context ctx) {
        serve(ctx, config -> {
            state.respond(ctx, 200, view(find(ctx.pathParam("id")), state.now()));
        });
    }

    void list(Context ctx) {
        serve(ctx, config -> {
            int limit = limit(ctx.queryParam("limit"));
            long now = state.now();
            Stored.Page<AnthropicBatch> page =
                    batches.page(ctx.queryParam("after_id"), ctx.queryParam("before_id"), limit);
            List<AnthropicBatch> items = page == null ? List.of() : page.items();
            ObjectNode body = state.json.createObjectNode();
            ArrayNode data = body.putArray("data");
            for (AnthropicBatch batch : items) {
                data.add(view(batch, now));
            }
            body.put("has_more", page != null && page.hasMore());
            body.put("first_id", items.isEmpty() ? null : items.getFirst().id);
            body.put("last_id", items.isEmpty() ? null : items.getLast().id);
            state.respond(ctx, 200, body);
        });
    }

    void cancel(Context ctx) {
        serve(ctx, config -> {
            AnthropicBatch batch = find(ctx.pathParam("id"));
            long now = state.now();
            if (batch.run.ended(now)) {
                throw ApiException.invalid(
                        "Message Batch " + batch.id + " has already ended and cannot be canceled.", null, null);
            }
            batch.run.cancel(now);
            state.respond(ctx, 200, view(batch, now));
        });
    }

    void delete(Context ctx) {
        serve(ctx, config -> {
            AnthropicBatch batch = find(ctx.pathParam("id"));
            if (!batch.run.ended(state.now())) {
                throw ApiException.invalid(
                        "Message Batch " + batch.id + " cannot be deleted while it is processing; "
                                + "cancel it first.",
                        null,
                        null);
            }
            view(batch, state.now());
            batches.remove(batch.id);
            state.respond(
                    ctx, 200, state.json.createObjectNode().put("id", batch.id).put("type", "message_batch_deleted"));
        });
    }

    /** JSONL, one result per request, in request order (the API promises no order). */
    void results(Context ctx) {
        serve(ctx, config -> {
            AnthropicBatch batch = find(ctx.pathParam("id"));
            long now = state.now();
            if (!batch.run.ended(now)) {
                throw new ApiException(
                        404,
                        "not_found_error",
                        "Results for Message Batch " + batch.id + " are not available until processing has ended.",
                        null,
                        null,
                        null);
            }
            view(batch, now);
            ByteArrayOutputStream jsonl = new ByteArrayOutputStream();
            long endedAt = batch.run.endedAt();
            List<BatchRun.Line> lines = batch.run.lines();
            for (int i = 0; i < lines.size(); i++) {
                jsonl.writeBytes(state.bytes(resultLine(lines.get(i), batch.run.outcome(i, endedAt))));
                jsonl.write('\n');
            }
            ctx.status(200).contentType("application/x-jsonl").result(jsonl.toByteArray());
        });
    }

    void settleAll() {
        long now = state.now();
        for (AnthropicBatch batch : batches.newestFirst()) {
            view(batch, now);
        }
    }

    /**
     * Runs one endpoint as {@code /v1/messages} does: a {@code request-id} header, the key and
     * version checks, and any ApiException answered in Anthropic's error shape.
     */
    private void serve(Context ctx, Consumer<SimConfig> endpoint) {
        String requestId = Ids.anthropicRequest();
        ctx.header("request-id", requestId);
        try {
            SimConfig config = state.config();
            checkAccess(ctx, config);
            endpoint.accept(config);
        } catch (ApiException e) {
            api.error(ctx, e, requestId);
        }
    }

    /** The same key and version checks, in the same order, as {@code POST /v1/messages}. */
    private static void checkAccess(Context ctx, SimConfig config) {
        AnthropicApi.authenticate(ctx, config);
        AnthropicApi.requireVersion(ctx);
    }

    private AnthropicBatch find(String id) {
        AnthropicBatch batch = batches.get(id);
        if (batch == null) {
            throw new ApiException(404, "not_found_error", "Message Batch not found: " + id, null, null, null);
        }
        return batch;
    }

    private ObjectNode view(AnthropicBatch batch, long now) {
        synchronized (batch) {
            if (batch.run.settle(now)) {
                batch.run.record(state.stats, batch.run.endedAt());
            }
            return batch.toJson(state.json, now, baseUrl.get() + "/v1/messages/batches/" + batch.id + "/results");
        }
    }

    /**
     * The same checks, text and usage as {@code POST /v1/messages} with these params, the prompt
     * cache read and written as the batch allows ({@link PromptCache#anthropicBatch}).
     */
    private BatchRun.Line plan(
            String customId,
            AnthropicRequest request,
            ApiException invalid,
            PromptCache.AnthropicUsage cache,
            SimConfig config) {
        String requestId = Ids.anthropicRequest();
        if (invalid != null) {
            return new BatchRun.Line(
                    null,
                    customId,
                    requestId,
                    BatchRun.Outcome.ERRORED,
                    invalid.status,
                    api.errorBody(invalid, requestId),
                    0,
                    0);
        }
        BatchRun.Outcome outcome = BatchRun.draw(config, customId, request.lastUserText());
        if (outcome == BatchRun.Outcome.ERRORED) {
            return new BatchRun.Line(
                    null,
                    customId,
                    requestId,
                    outcome,
                    500,
                    api.errorBody(Faults.anthropic(500, request.model(), config), requestId),
                    0,
                    0);
        }
        int inputTokens = request.inputTokens();
        TextGenerator.Generated output = api.generate(request);
        ObjectNode message = api.message(request, output, new AnthropicApi.Usage(inputTokens, cache));
        return new BatchRun.Line(
                null,
                customId,
                requestId,
                outcome,
                200,
                message,
                inputTokens,
                output.tokens(),
                cache.read(),
                cache.written());
    }

    private ObjectNode resultLine(BatchRun.Line line, BatchRun.Outcome outcome) {
        ObjectNode result = state.json.createObjectNode();
        result.put("custom_id", line.customId());
        ObjectNode body = result.putObject("result");
        body.put("type", outcome.wireName);
        if (outcome == BatchRun.Outcome.SUCCEEDED) {
            body.set("message", line.answer());
        } else if (outcome == BatchRun.Outcome.ERRORED) {
            body.set("error", line.answer());
        }
        return result;
    }

    /** Reads the body up to the batch limit itself: the server-wide limit is the 32 MB of Messages. */
    private JsonNode parse(Context ctx) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > limits.maxAnthropicBatchBytes()) {
            throw Faults.anthropic(413, "", state.config());
        }
        byte[] bytes;
        try (InputStream in = ctx.req().getInputStream()) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limits.maxAnthropicBatchBytes() + 1));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (bytes.length > limits.maxAnthropicBatchBytes()) {
            throw Faults.anthropic(413, "", state.config());
        }
        try {
            return state.json.readTree(bytes);
        } catch (IOException e) {
            throw ApiException.invalid(
                    "There was an issue with the format or content of your request: the body is not valid JSON.",
                    null,
                    null);
        }
    }

    /** The envelope checks, pydantic-worded like the rest of the API; the first problem rejects the batch. */
    private static JsonNode requests(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiException.invalid("Input should be a valid dictionary", null, null);
        }
        JsonNode requests = body.get("requests");
        if (!Json.present(requests)) {
            throw ApiException.invalid("requests: Field required", null, null);
        }
        if (!requests.isArray()) {
            throw ApiException.invalid("requests: Input should be a valid list", null, null);
        }
        if (requests.isEmpty() || requests.size() > MAX_REQUESTS) {
            throw ApiException.invalid(
                    "requests: List should have "
                            + (requests.isEmpty() ? "at least 1 item" : "at most " + MAX_REQUESTS + " items")
                            + " after validation, not " + requests.size(),
                    null,
                    null);
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < requests.size(); i++) {
            JsonNode request = requests.get(i);
            String path = "requests." + i;
            if (!request.isObject()) {
                throw ApiException.invalid(path + ": Input should be a valid dictionary", null, null);
            }
            JsonNode customId = request.get("custom_id");
            if (!Json.present(customId)) {
                throw ApiException.invalid(path + ".custom_id: Field required", null, null);
            }
            if (!customId.isTextual() || !CUSTOM_ID.matcher(customId.asText()).matches()) {
                throw ApiException.invalid(
                        path + ".custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'", null, null);
            }
            if (!seen.add(customId.asText())) {
                throw ApiException.invalid(
                        "requests: custom_id values must be unique within a Message Batch; '" + customId.asText()
                                + "' appears more than once",
                        null,
                        null);
            }
            JsonNode params = request.get("params");
            if (!Json.present(params)) {
                throw ApiException.invalid(path + ".params: Field required", null, null);
            }
            if (!params.isObject()) {
                throw ApiException.invalid(path + ".params: Input should be a valid dictionary", null, null);
            }
            if (params.has("stream")) {
                throw ApiException.invalid(path + ".params.stream: Extra inputs are not permitted", null, null);
            }
        }
        return requests;
    }

    private static int limit(String raw) {
        if (raw == null || raw.isBlank()) {
            return 20;
        }
        try {
            int limit = Integer.parseInt(raw.trim());
            if (limit >= 1 && limit <= 1000) {
                return limit;
            }
        } catch (NumberFormatException e) {
            throw ApiException.invalid("limit: Input should be a valid integer", null, null);
        }
        throw ApiException.invalid("limit: Input should be between 1 and 1000", null, null);
    }
}
