package dev.sluice.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a batch input file. Structural problems (a line that is not JSON, a missing or repeated
 * custom_id, the wrong url or method, too many lines, too large a file) fail the whole batch, as
 * OpenAI's validation step does; a body that the chat-completions checks reject is not one of
 * them, it becomes that line's 400 in the error file.
 *
 * @param errors the batch's {@code errors.data} entries; non-empty means the batch fails
 * @param model the first valid line's model, reported as the batch's {@code model}
 */
record OpenAiBatchInput(List<ObjectNode> errors, List<BatchRun.Line> lines, String model) {

    static final int MAX_LINES = 50_000;
    // Error codes other than duplicate_custom_id and invalid_json_line are UNCONFIRMED (see README).
    private static final String ENDPOINT = "/v1/chat/completions";

    static OpenAiBatchInput read(
            byte[] content,
            long maxBytes,
            OpenAiApi api,
            SimConfig config,
            ObjectMapper json,
            PromptCache.OpenAiBatch cache) {
        List<ObjectNode> errors = new ArrayList<>();
        if (content.length > maxBytes) {
            errors.add(error(
                    json,
                    "file_too_large",
                    "The batch input file is larger than the " + (maxBytes >> 20)
                            + " MB limit. Please split it into smaller batches.",
                    null,
                    null));
            return new OpenAiBatchInput(errors, List.of(), null);
        }
        String[] raw = new String(content, StandardCharsets.UTF_8).split("\n", -1);
        List<Integer> numbers = new ArrayList<>();
        for (int i = 0; i < raw.length; i++) {
            if (!raw[i].isBlank()) {
                numbers.add(i + 1);
            }
        }
        if (numbers.isEmpty()) {
            errors.add(error(
                    json,
                    "empty_file",
                    "The batch input file is empty. Please ensure that the batch contains " + "at least one request.",
                    null,
                    null));
            return new OpenAiBatchInput(errors, List.of(), null);
        }
        if (numbers.size() > MAX_LINES) {
            errors.add(error(
                    json,
                    "too_many_requests",
                    "The batch input file contains " + numbers.size() + " requests, more than the limit of " + MAX_LINES
                            + " requests per batch.",
                    null,
                    null));
            return new OpenAiBatchInput(errors, List.of(), null);
        }
        Set<String> seen = new HashSet<>();
        List<BatchRun.Line> lines = new ArrayList<>();
        String model = null;
        for (int number : numbers) {
            ObjectNode line = structure(raw[number - 1], number, seen, json, errors);
            if (line == null || !errors.isEmpty()) {
                continue;
            }
            BatchRun.Line planned = plan(line, api, config, cache);
            if (model == null && line.path("body").path("model").isTextual()) {
                model = line.get("body").get("model").asText();
            }
            lines.add(planned);
        }
        return errors.isEmpty()
                ? new OpenAiBatchInput(List.of(), lines, model)
                : new OpenAiBatchInput(errors, List.of(), null);
    }

    /** The parsed line, or null after adding its problem to {@code errors}. */
    private static ObjectNode structure(
            String text, int number, Set<String> seen, ObjectMapper json, List<ObjectNode> errors) {
        JsonNode node;
        try {
            node = json.readTree(text);
        } catch (IOException e) {
            node = null;
        }
        if (node == null || !node.isObject()) {
            errors.add(error(json, "invalid_json_line", "This line is not parseable as valid JSON.", null, number));
            return null;
        }
        JsonNode customId = node.get("custom_id");
        if (!Json.present(customId)
                || !customId.isTextual()
                || customId.asText().isEmpty()) {
            errors.add(error(
                    json,
                    "missing_required_parameter",
                    "Missing required parameter: 'custom_id'.",
                    "custom_id",
                    number));
            return null;
        }
        if (!seen.add(customId.asText())) {
            errors.add(error(
                    json,
                    "duplicate_custom_id",
                    "The custom_id for this request is a duplicate of another "
                            + "request. The custom_id parameter must be unique for each request in a batch.",
                    "custom_id",
                    number));
            return null;
        }
        if (!"POST".equals(node.path("method").asText())) {
            errors.add(error(
                    json,
                    "invalid_method",
                    "The method for this request must be 'POST', matching the batch endpoint.",
                    "method",
                    number));
            return null;
        }
        if (!ENDPOINT.equals(node.path("url").asText())) {
            errors.add(error(
                    json,
                    "invalid_url",
                    "The URL provided for this request does not match the batch endpoint.",
                    "url",
                    number));
            return null;
        }
        if (!node.path("body").isObject()) {
            errors.add(
                    error(json, "missing_required_parameter", "Missing required parameter: 'body'.", "body", number));
            return null;
        }
        return (ObjectNode) node;
    }

    /**
     * The same checks, text and usage as {@code POST /v1/chat/completions} with this body; cached
     * tokens as the batch's prompt cache says ({@link PromptCache#openAiBatch}).
     */
    private static BatchRun.Line plan(ObjectNode line, OpenAiApi api, SimConfig config, PromptCache.OpenAiBatch cache) {
        String customId = line.get("custom_id").asText();
        String lineId = Ids.openAiBatchLine();
        String requestId = Ids.openAiRequest();
        OpenAiRequest request;
        try {
            request = OpenAiRequest.parse(line.get("body"));
        } catch (ApiException e) {
            return new BatchRun.Line(
                    lineId, customId, requestId, BatchRun.Outcome.ERRORED, e.status, api.errorBody(e), 0, 0);
        }
        BatchRun.Outcome outcome = BatchRun.draw(config, customId, lastUserText(request));
        if (outcome == BatchRun.Outcome.ERRORED) {
            return new BatchRun.Line(
                    lineId,
                    customId,
                    requestId,
                    outcome,
                    500,
                    api.errorBody(Faults.openAi(500, request.model(), config)),
                    0,
                    0);
        }
        int promptTokens = request.promptTokens();
        int cached = config.promptCache()
                ? cache.cached(
                        request.model(),
                        request.promptSequence(),
                        request.extendedCache() ? PromptCache.OPENAI_EXTENDED_TTL : PromptCache.OPENAI_TTL)
                : 0;
        TextGenerator.Generated output = api.generate(request);
        ObjectNode completion = api.completion(request, output, api.usage(promptTokens, cached, output.tokens()));
        return new BatchRun.Line(
                lineId, customId, requestId, outcome, 200, completion, promptTokens, output.tokens(), cached, 0);
    }

    static String lastUserText(OpenAiRequest request) {
        for (int i = request.messages().size() - 1; i >= 0; i--) {
            if (request.messages().get(i).role().equals("user")) {
                return request.messages().get(i).text();
            }
        }
        return null;
    }

    private static ObjectNode error(ObjectMapper json, String code, String message, String param, Integer line) {
        ObjectNode error = json.createObjectNode();
        error.put("code", code);
        error.put("message", message);
        error.put("param", param);
        error.put("line", line);
        return error;
    }
}
