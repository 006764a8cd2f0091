package dev.sluice.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;

/** {@code /v1/batches}: create, retrieve, list and cancel, with output and error files written when a batch ends. */
final class OpenAiBatchesApi {

    static final String ENDPOINT = "/v1/chat/completions";
    private static final List<String> KNOWN_ENDPOINTS =
            List.of("/v1/responses", "/v1/chat/completions", "/v1/embeddings", "/v1/completions", "/v1/moderations");
    private static final int MAX_METADATA = 16;

    final Stored<OpenAiBatch> batches = new Stored<>(b -> b.id);
    private final SimState state;
    private final OpenAiApi api;
    private final OpenAiFilesApi files;
    private final BatchLimits limits;

    OpenAiBatchesApi(SimState state, OpenAiApi api, OpenAiFilesApi files, BatchLimits limits) {
        this.state = state;
        this.api = api;
        this.files = files;
        this.limits = limits;
    }

    void create(Context ctx) {
        api.serve(ctx, config -> {
            JsonNode body = parse(ctx);
            String fileId = requiredText(body, "input_file_id");
            String endpoint = requiredText(body, "endpoint");
            String window = requiredText(body, "completion_window");
            if (!KNOWN_ENDPOINTS.contains(endpoint)) {
                throw ApiException.invalid(
                        "Invalid value: '" + endpoint + "'. Supported values are: '/v1/responses', "
                                + "'/v1/chat/completions', '/v1/embeddings', '/v1/completions', and '/v1/moderations'.",
                        "endpoint",
                        "invalid_value");
            }
            if (!endpoint.equals(ENDPOINT)) {
                throw ApiException.invalid(
                        "Invalid value: '" + endpoint + "'. The provider simulator only runs batches for '" + ENDPOINT
                                + "'.",
                        "endpoint",
                        "invalid_value");
            }
            if (!window.equals("24h")) {
                throw ApiException.invalid(
                        "Invalid value: '" + window + "'. Supported values are: '24h'.",
                        "completion_window",
                        "invalid_value");
            }
            JsonNode metadata = metadata(body.get("metadata"));
            OpenAiFilesApi.SimFile file = files.files.get(fileId);
            if (file == null) {
                throw new ApiException(
                        404, "invalid_request_error", "No such File object: " + fileId, "input_file_id", null, null);
            }
            if (!file.purpose().equals("batch")) {
                throw ApiException.invalid(
                        "The input file must be uploaded with purpose 'batch', but " + fileId + " has purpose '"
                                + file.purpose() + "'.",
                        "input_file_id",
                        "invalid_value");
            }
            long now = state.now();
            PromptCache.OpenAiBatch cache = state.promptCache.openAiBatch(OpenAiApi.authenticate(ctx, config), now);
            OpenAiBatchInput input = OpenAiBatchInput.read(
                    file.content(), limits.maxOpenAiBatchFileBytes(), api, config, state.json, cache);
            cache.commit();
            BatchRun run =
                    new BatchRun(now, config.batchProcessingTime().toMillis(), BatchRun.Shape.OPENAI, input.lines());
            OpenAiBatch batch = new OpenAiBatch(Ids.openAiBatch(), fileId, endpoint, metadata, run, input);
            batches.add(batch);
            state.stats.batchCreated("openai");
            if (!batch.failed()) {
                state.stats.batchRun(
                        "openai",
                        input.lines().stream().map(BatchRun.Line::customId).toList());
            }
            state.respond(ctx, 200, view(batch, now));
        });
    }

    void retrieve(Context ctx) {
        api.serve(ctx, config -> {
            state.respond(ctx, 200, view(find(ctx.pathParam("id")), state.now()));
        });
    }

    void list(Context ctx) {
        api.serve(ctx, config -> {
            int limit = limit(ctx.queryParam("limit"));
            long now = state.now();
            Stored.Page<OpenAiBatch> page = batches.page(ctx.queryParam("after"), null, limit);
            List<OpenAiBatch> items = page == null ? List.of() : page.items();
            ObjectNode body = state.json.createObjectNode();
            body.put("object", "list");
            ArrayNode data = body.putArray("data");
            for (OpenAiBatch batch : items) {
                data.add(view(batch, now));
            }
            body.put("first_id", items.isEmpty() ? null : items.getFirst().id);
            body.put("last_id", items.isEmpty() ? null : items.getLast().id);
            body.put("has_more", page != null && page.hasMore());
            state.respond(ctx, 200, body);
        });
    }

    void cancel(Context ctx) {
        api.serve(ctx, config -> {
            OpenAiBatch batch = find(ctx.pathParam("id"));
            long now = state.now();
            synchronized (batch) {
                String status = batch.status(now);
                if (batch.terminal(now)) {
                    throw new ApiException(
                            400,
                            "invalid_request_error",
                            "Cannot cancel a batch with status '" + status + "'.",
                            null,
                            null,
                            null);
                }
                batch.run.cancel(now);
            }
            state.respond(ctx, 200, view(batch, now));
        });
    }

    /** Ends every batch whose time is up, so that stats count lines without anyone polling. */
    void settleAll() {
        long now = state.now();
        for (OpenAiBatch batch : batches.newestFirst()) {
            view(batch, now);
        }
    }

    private OpenAiBatch find(String id) {
        OpenAiBatch batch = batches.get(id);
        if (batch == null) {
            throw new ApiException(
                    404, "invalid_request_error", "No batch found with id '" + id + "'.", null, null, null);
        }
        return batch;
    }

    /** The batch as of {@code now}; the first look after it ended writes its files and counts its lines. */
    private ObjectNode view(OpenAiBatch batch, long now) {
        synchronized (batch) {
            if (batch.run.settle(now)) {
                if (!batch.failed()) {
                    writeFiles(batch);
                }
                batch.run.record(state.stats, batch.run.endedAt());
            }
            return batch.toJson(state.json, now);
        }
    }

    private void writeFiles(OpenAiBatch batch) {
        long endedAt = batch.run.endedAt();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        List<BatchRun.Line> lines = batch.run.lines();
        for (int i = 0; i < lines.size(); i++) {
            BatchRun.Outcome outcome = batch.run.outcome(i, endedAt);
            ObjectNode line = resultLine(lines.get(i), outcome);
            ByteArrayOutputStream target = outcome == BatchRun.Outcome.SUCCEEDED ? output : errors;
            target.writeBytes(state.bytes(line));
            target.write('\n');
        }
        long created = OpenAiBatch.seconds(endedAt);
        String outputId = output.size() == 0
                ? null
                : files.store("batch_" + batch.id + "_output.jsonl", "batch_output", output.toByteArray(), created)
                        .id();
        String errorId = errors.size() == 0
                ? null
                : files.store("batch_" + batch.id + "_error.jsonl", "batch_output", errors.toByteArray(), created)
                        .id();
        batch.files(outputId, errorId);
    }

    private ObjectNode resultLine(BatchRun.Line line, BatchRun.Outcome outcome) {
        ObjectNode result = state.json.createObjectNode();
        result.put("id", line.lineId());
        result.put("custom_id", line.customId());
        switch (outcome) {
            case SUCCEEDED, ERRORED -> {
                ObjectNode response = result.putObject("response");
                response.put("status_code", line.status());
                response.put("request_id", line.requestId());
                response.set("body", line.answer());
                result.putNull("error");
            }
            case EXPIRED -> {
                result.putNull("response");
                result.putObject("error")
                        .put("code", "batch_expired")
                        .put("message", "This request could not be executed before the completion window expired.");
            }
            case CANCELED -> {
                result.putNull("response");
                result.putObject("error")
                        .put("code", "batch_cancelled")
                        .put("message", "This request was not executed because the batch was cancelled.");
            }
        }
        return result;
    }

    private JsonNode parse(Context ctx) {
        try {
            JsonNode body = state.json.readTree(ctx.bodyAsBytes());
            if (body == null || !body.isObject()) {
                throw ApiException.invalid(
                        "Invalid type for request body: expected an object, but got " + Json.typeName(body)
                                + " instead.",
                        null,
                        "invalid_type");
            }
            return body;
        } catch (java.io.IOException e) {
            throw ApiException.invalid(
                    "We could not parse the JSON body of your request. (HINT: This likely means you "
                            + "aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was "
                            + "not valid JSON.)",
                    null,
                    null);
        }
    }

    private static String requiredText(JsonNode body, String name) {
        JsonNode value = body.get(name);
        if (!Json.present(value)) {
            throw ApiException.invalid(
                    "Missing required parameter: '" + name + "'.", name, "missing_required_parameter");
        }
        if (!value.isTextual()) {
            throw ApiException.invalid(
                    "Invalid type for '" + name + "': expected a string, but got " + Json.typeName(value) + " instead.",
                    name,
                    "invalid_type");
        }
        return value.asText();
    }

    /** Up to 16 string pairs, keys ≤ 64 and values ≤ 512 characters; kept as sent. */
    private static JsonNode metadata(JsonNode metadata) {
        if (!Json.present(metadata)) {
            return null;
        }
        if (!metadata.isObject()) {
            throw ApiException.invalid(
                    "Invalid type for 'metadata': expected an object, but got " + Json.typeName(metadata) + " instead.",
                    "metadata",
                    "invalid_type");
        }
        if (metadata.size() > MAX_METADATA) {
            throw ApiException.invalid(
                    "Invalid 'metadata': too many properties. Expected an object with at most " + MAX_METADATA
                            + " properties, but got an object with " + metadata.size() + " properties instead.",
                    "metadata",
                    "object_above_max_properties");
        }
        for (Map.Entry<String, JsonNode> entry : metadata.properties()) {
            String param = "metadata." + entry.getKey();
            if (entry.getKey().length() > 64) {
                throw ApiException.invalid(
                        "Invalid 'metadata': keys must be at most 64 characters long.", "metadata", "invalid_value");
            }
            if (!entry.getValue().isTextual()) {
                throw ApiException.invalid(
                        "Invalid type for '" + param + "': expected a string, but got "
                                + Json.typeName(entry.getValue()) + " instead.",
                        param,
                        "invalid_type");
            }
            if (entry.getValue().asText().length() > 512) {
                throw ApiException.invalid(
                        "Invalid '" + param + "': string too long. Expected a string with maximum length "
                                + "512, but got a string with length "
                                + entry.getValue().asText().length() + " instead.",
                        param,
                        "string_above_max_length");
            }
        }
        return metadata;
    }

    private static int limit(String raw) {
        if (raw == null || raw.isBlank()) {
            return 20;
        }
        int limit;
        try {
            limit = Integer.parseInt(raw.trim());
        } catch (NumberFormatException e) {
            throw ApiException.invalid(
                    "Invalid 'limit': expected an integer, but got '" + raw + "' instead.", "limit", "invalid_type");
        }
        if (limit < 1 || limit > 100) {
            throw ApiException.invalid(
                    "Invalid 'limit': expected a value between 1 and 100, but got " + limit + " instead.",
                    "limit",
                    "invalid_value");
        }
        return limit;
    }
}
