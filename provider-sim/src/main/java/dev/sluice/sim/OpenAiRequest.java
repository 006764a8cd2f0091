package dev.sluice.sim;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A validated chat completion request. Validation follows the real API's order and wording
 * (param paths like {@code messages[0].role}, codes like {@code invalid_value}) so adapters can
 * be tested against the errors they will actually meet.
 *
 * @param maxTokens the output cap in force: the request's, else {@link #DEFAULT_MAX_TOKENS}
 * @param requestedMaxTokens {@code max_completion_tokens} or {@code max_tokens} as sent, 0 when absent;
 *     what counts against the tokens-per-minute limit at admission
 * @param extendedCache {@code prompt_cache_retention: "24h"}
 */
record OpenAiRequest(
        String model,
        List<Message> messages,
        int maxTokens,
        int requestedMaxTokens,
        boolean extendedCache,
        boolean stream,
        boolean includeUsage,
        List<String> stop,
        String formatType,
        JsonNode responseFormat) {

    static final int DEFAULT_MAX_TOKENS = 4096;
    // The OpenAI cookbook's accounting for gpt-3.5/4-era chat models; unconfirmed for newer
    // models but close enough that budgets computed from it are realistic.
    static final int TOKENS_PER_MESSAGE = 3;
    static final int TOKENS_PER_NAME = 1;
    static final int REPLY_PRIMING_TOKENS = 3;
    // Stand-ins for the chat template's special tokens; negative, so never equal to a real token id.
    private static final int PRIMING_MARKER = -1;
    private static final int NAME_MARKER = -2;
    private static final List<String> ROLE_ORDER =
            List.of("system", "developer", "user", "assistant", "tool", "function");

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");
    private static final Set<String> PART_TYPES = Set.of("text", "image_url", "input_audio", "file", "refusal");

    record Message(String role, String name, String text) {}

    int promptTokens() {
        int tokens = REPLY_PRIMING_TOKENS;
        for (Message message : messages) {
            tokens += TOKENS_PER_MESSAGE + Tokens.count(message.text());
            if (message.name() != null) {
                tokens += TOKENS_PER_NAME + Tokens.count(message.name());
            }
        }
        return tokens;
    }

    /**
     * The prompt as the token sequence whose length is {@link #promptTokens()}: per message three
     * role markers, then for a named message a marker and the name's tokens, then the content's
     * tokens; three reply-priming markers at the end. Prompt caching matches prefixes of it.
     */
    int[] promptSequence() {
        int[] sequence = new int[promptTokens()];
        int at = 0;
        for (Message message : messages) {
            int role = -10 - ROLE_ORDER.indexOf(message.role());
            for (int i = 0; i < TOKENS_PER_MESSAGE; i++) {
                sequence[at++] = role;
            }
            if (message.name() != null) {
                sequence[at++] = NAME_MARKER;
                at = copy(Tokens.encode(message.name()), sequence, at);
            }
            at = copy(Tokens.encode(message.text()), sequence, at);
        }
        for (int i = 0; i < REPLY_PRIMING_TOKENS; i++) {
            sequence[at++] = PRIMING_MARKER;
        }
        return sequence;
    }

    private static int copy(int[] tokens, int[] into, int at) {
        System.arraycopy(tokens, 0, into, at, tokens.length);
        return at + tokens.length;
    }

    List<String> seedParts() {
        List<String> parts = new ArrayList<>(List.of("openai", model));
        for (Message message : messages) {
            parts.add(message.role());
            parts.add(message.name());
            parts.add(message.text());
        }
        parts.add(responseFormat == null ? "text" : responseFormat.toString());
        return parts;
    }

    JsonNode schema() {
        return responseFormat == null
                ? null
                : responseFormat.path("json_schema").path("schema");
    }

    static OpenAiRequest parse(JsonNode body) {
        String model = model(body);
        List<Message> messages = messages(body.get("messages"));
        int requestedMaxTokens = maxTokens(body);
        JsonNode temperature = body.get("temperature");
        if (Json.present(temperature)) {
            if (!temperature.isNumber()) {
                throw invalidType("temperature", "a decimal", temperature);
            }
            double t = temperature.asDouble();
            if (t < 0) {
                throw ApiException.invalid(
                        "Invalid 'temperature': decimal below minimum value. Expected a value >= 0, but got "
                                + temperature + " instead.",
                        "temperature",
                        "decimal_below_min_value");
            }
            if (t > 2) {
                throw ApiException.invalid(
                        "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got "
                                + temperature + " instead.",
                        "temperature",
                        "decimal_above_max_value");
            }
        }
        boolean stream = bool(body, "stream");
        JsonNode options = body.get("stream_options");
        if (Json.present(options) && !stream) {
            throw ApiException.invalid(
                    "The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options", null);
        }
        boolean includeUsage =
                Json.present(options) && options.path("include_usage").asBoolean(false);
        JsonNode format = body.get("response_format");
        String formatType = formatType(format);
        if (formatType.equals("json_object")
                && messages.stream()
                        .noneMatch(m -> m.text().toLowerCase(Locale.ROOT).contains("json"))) {
            throw ApiException.invalid(
                    "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
                    "messages",
                    null);
        }
        boolean extendedCache = cacheRetention(body.get("prompt_cache_retention"));
        return new OpenAiRequest(
                model,
                messages,
                requestedMaxTokens == 0 ? DEFAULT_MAX_TOKENS : requestedMaxTokens,
                requestedMaxTokens,
                extendedCache,
                stream,
                includeUsage,
                stop(body.get("stop")),
                formatType,
                formatType.equals("text") ? null : format);
    }

    /** The body's model, after the checks every OpenAI endpoint makes first: an object, with a model named. */
    static String model(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiException.invalid(
                    "Invalid type for request body: expected an object, but got " + Json.typeName(body) + " instead.",
                    null,
                    "invalid_type");
        }
        JsonNode model = body.get("model");
        if (!Json.present(model) || (model.isTextual() && model.asText().isBlank())) {
            throw ApiException.invalid("you must provide a model parameter", "model", null);
        }
        if (!model.isTextual()) {
            throw invalidType("model", "a string", model);
        }
        return model.asText();
    }

    private static List<Message> messages(JsonNode messages) {
        if (!Json.present(messages)) {
            throw ApiException.invalid(
                    "Missing required parameter: 'messages'.", "messages", "missing_required_parameter");
        }
        if (!messages.isArray()) {
            throw invalidType("messages", "an array of objects", messages);
        }
        if (messages.isEmpty()) {
            throw ApiException.invalid(
                    "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
                    "messages",
                    "empty_array");
        }
        List<Message> result = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            result.add(message(messages.get(i), "messages[" + i + "]"));
        }
        return List.copyOf(result);
    }

    private static Message message(JsonNode message, String path) {
        if (!message.isObject()) {
            throw invalidType(path, "an object", message);
        }
        JsonNode role = message.get("role");
        if (!Json.present(role)) {
            throw missing(path + ".role");
        }
        if (!role.isTextual() || !ROLES.contains(role.asText())) {
            throw ApiException.invalid(
                    "Invalid value: '" + role.asText()
                            + "'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.",
                    path + ".role",
                    "invalid_value");
        }
        if (role.asText().equals("tool") && !Json.present(message.get("tool_call_id"))) {
            throw missing(path + ".tool_call_id");
        }
        JsonNode content = message.get("content");
        boolean mayOmitContent = role.asText().equals("assistant")
                && (Json.present(message.get("tool_calls")) || Json.present(message.get("function_call")));
        if (!Json.present(content) && !mayOmitContent) {
            throw missing(path + ".content");
        }
        JsonNode name = message.get("name");
        return new Message(role.asText(), Json.present(name) ? name.asText() : null, text(content, path + ".content"));
    }

    private static String text(JsonNode content, String path) {
        if (!Json.present(content)) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (!content.isArray()) {
            throw invalidType(path, "one of an array or a string", content);
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < content.size(); i++) {
            JsonNode part = content.get(i);
            String type = part.path("type").asText("");
            if (!PART_TYPES.contains(type)) {
                throw ApiException.invalid(
                        "Invalid value: '" + type
                                + "'. Supported values are: 'text', 'image_url', 'input_audio', 'refusal', and 'file'.",
                        path + "[" + i + "].type",
                        "invalid_value");
            }
            if (type.equals("text")) {
                if (!part.path("text").isTextual()) {
                    throw missing(path + "[" + i + "].text");
                }
                text.append(text.isEmpty() ? "" : "\n").append(part.get("text").asText());
            }
        }
        return text.toString();
    }

    private static int maxTokens(JsonNode body) {
        for (String name : List.of("max_completion_tokens", "max_tokens")) {
            JsonNode value = body.get(name);
            if (Json.present(value)) {
                if (!value.isIntegralNumber()) {
                    throw invalidType(name, "an integer", value);
                }
                if (value.asLong() < 1) {
                    throw ApiException.invalid(
                            "Invalid '" + name + "': integer below minimum value. Expected a value >= 1, but got "
                                    + value + " instead.",
                            name,
                            "integer_below_min_value");
                }
                return (int) Math.min(Integer.MAX_VALUE, value.asLong());
            }
        }
        return 0;
    }

    private static boolean cacheRetention(JsonNode retention) {
        if (!Json.present(retention)) {
            return false;
        }
        if (!retention.isTextual() || !Set.of("in_memory", "24h").contains(retention.asText())) {
            throw ApiException.invalid(
                    "Invalid value: '" + retention.asText() + "'. Supported values are: 'in_memory' and '24h'.",
                    "prompt_cache_retention",
                    "invalid_value");
        }
        return retention.asText().equals("24h");
    }

    private static String formatType(JsonNode format) {
        if (!Json.present(format)) {
            return "text";
        }
        String type = format.path("type").asText("");
        switch (type) {
            case "text", "json_object" -> {
                return type;
            }
            case "json_schema" -> {
                JsonNode spec = format.get("json_schema");
                if (!Json.present(spec)) {
                    throw missing("response_format.json_schema");
                }
                JsonNode name = spec.get("name");
                if (!Json.present(name)) {
                    throw missing("response_format.json_schema.name");
                }
                if (!name.asText().matches("[a-zA-Z0-9_-]{1,64}")) {
                    throw ApiException.invalid(
                            "Invalid 'response_format.json_schema.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
                            "response_format.json_schema.name",
                            "invalid_value");
                }
                return type;
            }
            default ->
                throw ApiException.invalid(
                        "Invalid value: '" + type
                                + "'. Supported values are: 'json_object', 'json_schema', and 'text'.",
                        "response_format.type",
                        "invalid_value");
        }
    }

    private static List<String> stop(JsonNode stop) {
        if (!Json.present(stop)) {
            return List.of();
        }
        if (stop.isTextual()) {
            return List.of(stop.asText());
        }
        if (!stop.isArray() || stop.size() > 4) {
            throw ApiException.invalid(
                    "Invalid 'stop': expected a string or an array of at most 4 strings.", "stop", "invalid_type");
        }
        List<String> result = new ArrayList<>();
        stop.forEach(s -> result.add(s.asText()));
        return List.copyOf(result);
    }

    private static boolean bool(JsonNode body, String name) {
        JsonNode value = body.get(name);
        if (!Json.present(value)) {
            return false;
        }
        if (!value.isBoolean()) {
            throw invalidType(name, "a boolean", value);
        }
        return value.asBoolean();
    }

    private static ApiException missing(String param) {
        return ApiException.invalid(
                "Missing required parameter: '" + param + "'.", param, "missing_required_parameter");
    }

    static ApiException invalidType(String param, String expected, JsonNode got) {
        return ApiException.invalid(
                "Invalid type for '" + param + "': expected " + expected + ", but got " + Json.typeName(got)
                        + " instead.",
                param,
                "invalid_type");
    }
}
