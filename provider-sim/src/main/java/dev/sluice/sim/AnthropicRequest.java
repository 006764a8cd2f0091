package dev.sluice.sim;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A validated Messages API request. Error messages use the API's pydantic-style
 * {@code field.index.field: problem} wording.
 *
 * @param blocks system blocks then each message's content blocks, in prompt order: the units of
 *     token counting and of prompt caching
 * @param topLevelTtl TTL of a top-level {@code cache_control}, which puts a breakpoint on the last
 *     block; null without one
 */
record AnthropicRequest(
        String model,
        int maxTokens,
        String system,
        List<Message> messages,
        List<String> stopSequences,
        boolean stream,
        List<Block> blocks,
        String topLevelTtl) {

    private static final Set<String> BLOCK_TYPES = Set.of(
            "text",
            "image",
            "document",
            "search_result",
            "tool_use",
            "tool_result",
            "thinking",
            "redacted_thinking",
            "server_tool_use",
            "web_search_tool_result");
    private static final String BLOCK_TAGS = "'text', 'image', 'document', 'search_result', 'tool_use', 'tool_result', "
            + "'thinking', 'redacted_thinking', 'server_tool_use', 'web_search_tool_result'";

    record Message(String role, String text) {}

    /** The text of the last user turn, where test markers and answer keys are read; null without one. */
    String lastUserText() {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).role().equals("user")) {
                return messages.get(i).text();
            }
        }
        return null;
    }

    /**
     * One system or content block. {@code owner} places it ({@code system}, {@code messages.2.user})
     * so equal text in different places is a different prefix.
     *
     * @param cacheTtl {@code 5m} or {@code 1h} when the block carries {@code cache_control}, else null
     */
    record Block(String owner, String text, String cacheTtl, int tokens) {

        static Block of(String owner, String text, String cacheTtl) {
            return new Block(owner, text, cacheTtl, Tokens.count(text));
        }
    }

    /**
     * o200k per block, summed, so that a cached prefix and the rest add up to the total exactly:
     * Claude's own tokenizer is not public (see README).
     */
    int inputTokens() {
        int tokens = 0;
        for (Block block : blocks) {
            tokens += block.tokens();
        }
        return tokens;
    }

    /** Index of the last block that closes a cacheable prefix, or -1 when the request asks for no caching. */
    int lastBreakpoint() {
        for (int i = blocks.size() - 1; i >= 0; i--) {
            if (breakpointTtl(i) != null) {
                return i;
            }
        }
        return -1;
    }

    String breakpointTtl(int block) {
        String own = blocks.get(block).cacheTtl();
        return own == null && block == blocks.size() - 1 ? topLevelTtl : own;
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
        // Messages are checked before system, as the API reports them; system blocks still come first.
        List<Block> messageBlocks = new ArrayList<>();
        List<Message> messages = messages(body.get("messages"), messageBlocks);
        List<Block> blocks = new ArrayList<>();
        String system = system(body.get("system"), blocks);
        blocks.addAll(messageBlocks);
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
        String topLevelTtl = Json.present(body.get("cache_control")) ? cacheTtl(body, "") : null;
        return new AnthropicRequest(
                model.asText(),
                (int) Math.min(Integer.MAX_VALUE, maxTokens.asLong()),
                system,
                messages,
                stopSequences(body.get("stop_sequences")),
                Json.present(stream) && stream.asBoolean(),
                List.copyOf(blocks),
                topLevelTtl);
    }

    private static List<Message> messages(JsonNode messages, List<Block> blocks) {
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
            result.add(new Message(role, content(content, path + ".content", path + "." + role, blocks)));
        }
        return List.copyOf(result);
    }

    /** The message's text for the seed; each top-level block also goes to {@code blocks} when it is non-null. */
    private static String content(JsonNode content, String path, String owner, List<Block> blocks) {
        if (content.isTextual()) {
            if (blocks != null) {
                blocks.add(Block.of(owner, content.asText(), null));
            }
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
            String ttl = cacheTtl(block, path + "." + i);
            String blockText = switch (type) {
                case "text" -> {
                    if (!block.path("text").isTextual()) {
                        throw invalid(path + "." + i + ".text: Field required");
                    }
                    yield block.get("text").asText();
                }
                case "tool_result" ->
                    block.path("content").isTextual()
                            ? block.get("content").asText()
                            : content(
                                    block.path("content").isArray() ? block.get("content") : Json.emptyArray(),
                                    path + "." + i + ".content",
                                    owner,
                                    null);
                default -> "";
            };
            if (blocks != null) {
                blocks.add(Block.of(owner, blockText, ttl));
            }
            if (!blockText.isEmpty()) {
                text.append(text.isEmpty() ? "" : "\n").append(blockText);
            }
        }
        return text.toString();
    }

    private static String system(JsonNode system, List<Block> blocks) {
        if (!Json.present(system)) {
            return "";
        }
        if (system.isTextual()) {
            blocks.add(Block.of("system", system.asText(), null));
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
            blocks.add(Block.of("system", block.get("text").asText(), cacheTtl(block, "system." + i)));
            text.append(text.isEmpty() ? "" : "\n").append(block.get("text").asText());
        }
        return text.toString();
    }

    /** The validated TTL of the node's {@code cache_control}, or null without one. */
    private static String cacheTtl(JsonNode block, String blockPath) {
        String path = blockPath.isEmpty() ? "" : blockPath + ".";
        JsonNode cache = block.get("cache_control");
        if (!Json.present(cache)) {
            return null;
        }
        if (!"ephemeral".equals(cache.path("type").asText())) {
            throw invalid(path + "cache_control.type: Input should be 'ephemeral'");
        }
        String ttl = cache.path("ttl").asText("5m");
        if (!ttl.equals("5m") && !ttl.equals("1h")) {
            throw invalid(path + "cache_control.ttl: Input should be '5m' or '1h'");
        }
        return ttl;
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
