package dev.sluice.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;

/** {@code POST /v1/messages}: Anthropic's header and body checks, shapes, headers and named SSE events. */
final class AnthropicApi {

    private final SimState state;

    AnthropicApi(SimState state) {
        this.state = state;
    }

    void messages(Context ctx) {
        SimConfig config = state.config();
        String requestId = Ids.anthropicRequest();
        ctx.header("request-id", requestId);
        String model = "unknown";
        try {
            String apiKey = authenticate(ctx, config);
            requireVersion(ctx);
            JsonNode body = parse(ctx);
            AnthropicRequest request = AnthropicRequest.parse(body);
            model = request.model();
            Duration firstByte = state.firstByteDelay(ctx, config);
            OptionalInt failure = state.failure(ctx, config, "anthropic", model, firstByte);
            if (failure.isPresent()) {
                if (failure.getAsInt() == 429) {
                    RateLimitHeaders.anthropicExhausted(
                            ctx, config, Instant.ofEpochMilli(state.now()).plus(config.retryAfter()));
                }
                throw Faults.anthropic(failure.getAsInt(), model, config);
            }
            int inputTokens = request.inputTokens();
            // max_tokens is reserved in full at admission and not given back when the answer is shorter.
            RateWindow.Snapshot admitted = state.limits
                    .forKey("anthropic", apiKey, state.now())
                    .admit(config, state.now(), inputTokens, request.maxTokens());
            RateLimitHeaders.anthropic(ctx, admitted);
            if (admitted.exceeded()) {
                state.stats.rateLimited(apiKey);
                boolean requests = admitted.verdict() == RateWindow.Verdict.REQUESTS;
                throw Faults.anthropicRateLimit(
                        requests ? "requests" : "tokens",
                        requests ? admitted.requestLimit() : admitted.tokenLimit(),
                        admitted.resetIn());
            }
            Usage usage = new Usage(
                    inputTokens,
                    config.promptCache()
                            ? state.promptCache.anthropic(apiKey, request, state.now())
                            : PromptCache.AnthropicUsage.NONE);
            TextGenerator.Generated output = generate(request);
            state.stats.tokens(
                    inputTokens,
                    output.tokens(),
                    usage.cache().read(),
                    usage.cache().written());
            state.stats.answered("anthropic", body.get("messages"));
            Duration generation = SimState.generationTime(config, output.tokens());
            if (request.stream()) {
                SimState.pause(firstByte);
                stream(ctx, request, output, usage, generation);
            } else {
                SimState.pause(firstByte.plus(generation));
                state.respond(ctx, 200, message(request, output, usage));
            }
        } catch (ApiException e) {
            error(ctx, e, requestId);
        }
    }

    /** Anthropic's shape for unknown paths under /v1/messages. */
    void notFound(Context ctx) {
        String requestId = Ids.anthropicRequest();
        ctx.header("request-id", requestId);
        error(ctx, new ApiException(404, "not_found_error", "Not Found", null, null, null), requestId);
    }

    /**
     * Takes {@code x-api-key} or, as anthropic-java 3.x sends an API key, {@code Authorization: Bearer}.
     */
    static String authenticate(Context ctx, SimConfig config) {
        String key = ctx.header("x-api-key");
        String authorization = ctx.header("Authorization");
        if ((key == null || key.isBlank())
                && authorization != null
                && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            key = authorization.substring(7).trim();
        }
        if (key == null || key.isBlank()) {
            throw new ApiException(401, "authentication_error", "x-api-key header is required", null, null, null);
        }
        if (!config.acceptsKey(key.trim())) {
            throw new ApiException(401, "authentication_error", "invalid x-api-key", null, null, null);
        }
        return key.trim();
    }

    static void requireVersion(Context ctx) {
        if (ctx.header("anthropic-version") == null
                || ctx.header("anthropic-version").isBlank()) {
            throw ApiException.invalid("anthropic-version: header is required", null, null);
        }
    }

    private JsonNode parse(Context ctx) {
        try {
            return state.json.readTree(ctx.bodyAsBytes());
        } catch (java.io.IOException e) {
            throw ApiException.invalid(
                    "There was an issue with the format or content of your request: the body is not valid JSON.",
                    null,
                    null);
        }
    }

    TextGenerator.Generated generate(AnthropicRequest request) {
        Random random = new Random(TextGenerator.seed(request.seedParts()));
        String full = Answers.answer(state.json, request.model(), request.lastUserText())
                .orElseGet(() -> TextGenerator.prose(random));
        return TextGenerator.finish(full, request.stopSequences(), request.maxTokens());
    }

    /**
     * Input split as Anthropic bills it: {@code input_tokens} is what was neither read from nor
     * written to the cache, so the three counters add up to the whole prompt.
     */
    record Usage(int totalInput, PromptCache.AnthropicUsage cache) {

        int uncachedInput() {
            return totalInput - cache.read() - cache.written();
        }
    }

    ObjectNode message(AnthropicRequest request, TextGenerator.Generated output, Usage usage) {
        ObjectNode body = header(Ids.anthropicMessage(), request.model());
        body.putArray("content").addObject().put("type", "text").put("text", output.text());
        body.put("stop_reason", stopReason(output));
        body.put("stop_sequence", output.stopSequence());
        body.set("usage", usage(usage, output.tokens()));
        return body;
    }

    private void stream(
            Context ctx, AnthropicRequest request, TextGenerator.Generated output, Usage usage, Duration generation) {
        SseWriter sse = new SseWriter(ctx);
        ObjectNode start = event("message_start");
        ObjectNode message = start.putObject("message");
        message.setAll(header(Ids.anthropicMessage(), request.model()));
        message.putArray("content");
        message.putNull("stop_reason");
        message.putNull("stop_sequence");
        // The API reports a token or so of output up front; message_delta carries the real total.
        message.set("usage", usage(usage, Math.min(1, output.tokens())));
        sse.event("message_start", start.toString());

        ObjectNode blockStart = event("content_block_start").put("index", 0);
        blockStart.putObject("content_block").put("type", "text").put("text", "");
        sse.event("content_block_start", blockStart.toString());
        sse.event("ping", event("ping").toString());

        List<String> pieces = TextGenerator.pieces(output.text());
        Duration perPiece = SseWriter.perChunk(generation, pieces.size());
        for (String piece : pieces) {
            SimState.pause(perPiece);
            ObjectNode delta = event("content_block_delta").put("index", 0);
            delta.putObject("delta").put("type", "text_delta").put("text", piece);
            sse.event("content_block_delta", delta.toString());
        }
        sse.event(
                "content_block_stop",
                event("content_block_stop").put("index", 0).toString());

        ObjectNode messageDelta = event("message_delta");
        messageDelta
                .putObject("delta")
                .put("stop_reason", stopReason(output))
                .put("stop_sequence", output.stopSequence());
        messageDelta
                .putObject("usage")
                .put("input_tokens", usage.uncachedInput())
                .put("cache_creation_input_tokens", usage.cache().written())
                .put("cache_read_input_tokens", usage.cache().read())
                .put("output_tokens", output.tokens());
        sse.event("message_delta", messageDelta.toString());
        sse.event("message_stop", event("message_stop").toString());
    }

    private ObjectNode header(String id, String model) {
        ObjectNode body = state.json.createObjectNode();
        body.put("id", id);
        body.put("type", "message");
        body.put("role", "assistant");
        body.put("model", model);
        return body;
    }

    private ObjectNode event(String type) {
        return state.json.createObjectNode().put("type", type);
    }

    private ObjectNode usage(Usage input, int outputTokens) {
        ObjectNode usage = state.json.createObjectNode();
        usage.put("input_tokens", input.uncachedInput());
        usage.put("output_tokens", outputTokens);
        usage.put("cache_creation_input_tokens", input.cache().written());
        usage.put("cache_read_input_tokens", input.cache().read());
        usage.putObject("cache_creation")
                .put("ephemeral_5m_input_tokens", input.cache().written5m())
                .put("ephemeral_1h_input_tokens", input.cache().written1h());
        usage.put("service_tier", "standard");
        return usage;
    }

    private static String stopReason(TextGenerator.Generated output) {
        if (output.truncated()) {
            return "max_tokens";
        }
        return output.stopSequence() != null ? "stop_sequence" : "end_turn";
    }

    /** The anthropic-ratelimit headers of a 429 were set by whoever decided on it; retry-after is set here. */
    void error(Context ctx, ApiException e, String requestId) {
        if (e.retryAfter != null) {
            ctx.header("retry-after", RateLimitHeaders.retryAfterSeconds(e.retryAfter));
        }
        state.respond(ctx, e.status, errorBody(e, requestId));
    }

    /** {@code {"type":"error","error":{"type","message"},"request_id"}}, also inside an errored batch result. */
    ObjectNode errorBody(ApiException e, String requestId) {
        ObjectNode body = state.json.createObjectNode();
        body.put("type", "error");
        body.putObject("error").put("type", e.type).put("message", e.getMessage());
        body.put("request_id", requestId);
        return body;
    }
}
