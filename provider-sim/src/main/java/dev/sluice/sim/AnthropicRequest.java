package dev.sluice.sim;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A validated Messages API request. Error messages use the API's pydantic-style
 * {@code field.index.field: problem} wording.
 */
record AnthropicRequest(
        String model,
        int maxTokens,
        String system,
        List<Message> messages,
        List<String> stopSequences,
        boolean stream) {

    private static final Set<String> BLOCK_TYPES = Set.of("text", "image", "document", "search_result",
            "tool_use", "tool_result", "thinking", "redacted_thinking", "server_tool_use", "web_search_tool_result");
    private static final String BLOCK_TAGS = "'text', 'image', 'document', 'search_result', 'tool_use', 'tool_result', "
            + "'thinking', 'redacted_thinking', 'server_tool_use', 'web_search_tool_result'";

    record Message(String role, String text) {
    }

    /** o200k over system and message text: Claude's own tokenizer is not public (see README). */
    int inputTokens() {
        int tokens = Tokens.count(system);
        for (Message message : messages) {
            tokens += Tokens.count(message.text());
        }
        return tokens;
    }

    List<String> seedParts() {
        List<String> parts = new ArrayList<>(List.of("anthropic", model, system));
        for (Message message : messages) {
            parts.add(message.role());
            parts.add(message.text());
        }
        return parts;
    }

    static AnthropicRequest parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw invalid("Input should be a valid dictionary");
        }
        JsonNode model = body.get("model");
        if (!Json.present(model)) {
            throw invalid("model: Field required");
        }
        if (!model.isTextual()) {
            throw invalid("model: Input should be a valid string");
        }
        JsonNode maxTokens = body.get("max_tokens");
        if (!Json.present(maxTokens)) {
            throw invalid("max_tokens: Field required");
        }
        if (!maxTokens.isIntegralNumber()) {
            throw invalid("max_tokens: Input should be a valid integer");
        }
        if (maxTokens.asLong() < 1) {
            throw invalid("max_tokens: Input should be greater than or equal to 1");
        }
        List<Message> messages = messages(body.get("messages"));
        String system = system(body.get("system"));
        JsonNode temperature = body.get("temperature");
        if (Json.present(temperature)) {
            if (!temperature.isNumber()) {
                throw invalid("temperature: Input should be a valid number");
            }
            if (temperature.asDouble() < 0) {
                throw invalid("temperature: Input should be greater than or equal to 0");
            }
            if (temperature.asDouble() > 1) {
                throw invalid("temperature: Input should be less than or equal to 1");
            }
        }
        JsonNode metadata = body.get("metadata");
        if (Json.present(metadata) && !metadata.isObject()) {
            throw invalid("metadata: Input should be a valid dictionary");
        }
        JsonNode stream = body.get("stream");
        if (Json.present(stream) && !stream.isBoolean()) {
            throw invalid("stream: Input should be a valid boolean");
        }
        return new AnthropicRequest(model.asText(), (int) Math.min(Integer.MAX_VALUE, maxTokens.asLong()), system,
                messages, stopSequences(body.get("stop_sequences")), Json.present(stream) && stream.asBoolean());
    }

    private static List<Message> messages(JsonNode messages) {
        if (!Json.present(messages)) {
            throw invalid("messages: Field required");
        }
        if (!messages.isArray()) {
            throw invalid("messages: Input should be a valid list");
        }
        if (messages.isEmpty()) {
            throw invalid("messages: at least one message is required");
        }
        List<Message> result = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode message = messages.get(i);
            String path = "messages." + i;
            if (!message.isObject()) {
                throw invalid(path + ": Input should be a valid dictionary");
            }
            String role = message.path("role").asText("");
            if (!role.equals("user") && !role.equals("assistant")) {
                throw invalid(path + ".role: Input should be 'user' or 'assistant'");
            }
            JsonNode content = message.get("content");
            if (!Json.present(content)) {
                throw invalid(path + ".content: Field required");
            }
            result.add(new Message(role, content(content, path + ".content")));
        }
        return List.copyOf(result);
    }

    private static String content(JsonNode content, String path) {
        if (content.isTextual()) {
            return content.asText();
        }
        if (!content.isArray()) {
            throw invalid(path + ": Input should be a valid list");
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < content.size(); i++) {
            JsonNode block = content.get(i);
            String type = block.path("type").asText("");
            if (!BLOCK_TYPES.contains(type)) {
                throw invalid(path + "." + i + ": Input tag '" + type
                        + "' found using 'type' does not match any of the expected tags: " + BLOCK_TAGS);
            }
            checkCacheControl(block, path + "." + i);
            String blockText = switch (type) {
                case "text" -> {
                    if (!block.path("text").isTextual()) {
                        throw invalid(path + "." + i + ".text: Field required");
                    }
                    yield block.get("text").asText();
                }
                case "tool_result" -> block.path("content").isTextual()
                        ? block.get("content").asText()
                        : content(block.path("content").isArray() ? block.get("content") : Json.emptyArray(), path + "." + i + ".content");
                default -> "";
            };
            if (!blockText.isEmpty()) {
                text.append(text.isEmpty() ? "" : "\n").append(blockText);
            }
        }
        return text.toString();
    }

    private static String system(JsonNode system) {
        if (!Json.present(system)) {
            return "";
        }
        if (system.isTextual()) {
            return system.asText();
        }
        if (!system.isArray()) {
            throw invalid("system: Input should be a valid string");
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < system.size(); i++) {
            JsonNode block = system.get(i);
            if (!"text".equals(block.path("type").asText())) {
                throw invalid("system." + i + ".type: Input should be 'text'");
            }
            if (!block.path("text").isTextual()) {
                throw invalid("system." + i + ".text: Field required");
            }
            checkCacheControl(block, "system." + i);
            text.append(text.isEmpty() ? "" : "\n").append(block.get("text").asText());
        }
        return text.toString();
    }

    private static void checkCacheControl(JsonNode block, String path) {
        JsonNode cache = block.get("cache_control");
        if (!Json.present(cache)) {
            return;
        }
        if (!"ephemeral".equals(cache.path("type").asText())) {
            throw invalid(path + ".cache_control.type: Input should be 'ephemeral'");
        }
        String ttl = cache.path("ttl").asText("5m");
        if (!ttl.equals("5m") && !ttl.equals("1h")) {
            throw invalid(path + ".cache_control.ttl: Input should be '5m' or '1h'");
        }
    }

    private static List<String> stopSequences(JsonNode stops) {
        if (!Json.present(stops)) {
            return List.of();
        }
        if (!stops.isArray()) {
            throw invalid("stop_sequences: Input should be a valid list");
        }
        List<String> result = new ArrayList<>();
        for (int i = 0; i < stops.size(); i++) {
            if (!stops.get(i).isTextual()) {
                throw invalid("stop_sequences." + i + ": Input should be a valid string");
            }
            result.add(stops.get(i).asText());
        }
        return List.copyOf(result);
    }

    private static ApiException invalid(String message) {
        return ApiException.invalid(message, null, null);
    }
}
