package dev.sluice.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
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
            authenticate(ctx, config);
            if (ctx.header("anthropic-version") == null || ctx.header("anthropic-version").isBlank()) {
                throw ApiException.invalid("anthropic-version: header is required", null, null);
            }
            AnthropicRequest request = AnthropicRequest.parse(parse(ctx));
            model = request.model();
            Duration firstByte = state.firstByteDelay(ctx, config);
            OptionalInt fault = state.fault(ctx, config);
            if (fault.isPresent()) {
                SimState.pause(firstByte);
                throw Faults.anthropic(fault.getAsInt(), model, config);
            }
            int inputTokens = request.inputTokens();
            RateWindow.Snapshot admitted = state.window.admit(config, state.clock.getAsLong(), inputTokens);
            if (admitted.exceeded()) {
                rateLimitHeaders(ctx, admitted);
                throw admitted.requestsExceeded()
                        ? Faults.anthropicRateLimit("requests", admitted.requestLimit(), admitted.resetIn())
                        : Faults.anthropicRateLimit("tokens", admitted.tokenLimit(), admitted.resetIn());
            }
            TextGenerator.Generated output = generate(request);
            rateLimitHeaders(ctx, state.window.charge(config, state.clock.getAsLong(), inputTokens, output.tokens()));
            state.stats.tokens(inputTokens, output.tokens());
            Duration generation = SimState.generationTime(config, output.tokens());
            if (request.stream()) {
                SimState.pause(firstByte);
                stream(ctx, request, output, inputTokens, generation);
            } else {
                SimState.pause(firstByte.plus(generation));
                json(ctx, 200, message(request, output, inputTokens));
            }
        } catch (ApiException e) {
            error(ctx, e, requestId, config);
        }
    }

    /** Anthropic's shape for unknown paths under /v1/messages. */
    void notFound(Context ctx) {
        String requestId = Ids.anthropicRequest();
        ctx.header("request-id", requestId);
        error(ctx, new ApiException(404, "not_found_error", "Not Found", null, null, null), requestId, state.config());
    }

    /**
     * Takes {@code x-api-key} or, as anthropic-java 3.x sends an API key, {@code Authorization: Bearer}.
     */
    private static void authenticate(Context ctx, SimConfig config) {
        String key = ctx.header("x-api-key");
        String authorization = ctx.header("Authorization");
        if ((key == null || key.isBlank()) && authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            key = authorization.substring(7).trim();
        }
        if (key == null || key.isBlank()) {
            throw new ApiException(401, "authentication_error", "x-api-key header is required", null, null, null);
        }
        if (!config.acceptsKey(key.trim())) {
            throw new ApiException(401, "authentication_error", "invalid x-api-key", null, null, null);
        }
    }

    private JsonNode parse(Context ctx) {
        try {
            return state.json.readTree(ctx.bodyAsBytes());
        } catch (java.io.IOException e) {
            throw ApiException.invalid("There was an issue with the format or content of your request: the body is not valid JSON.",
                    null, null);
        }
    }

    private TextGenerator.Generated generate(AnthropicRequest request) {
        Random random = new Random(TextGenerator.seed(request.seedParts()));
        return TextGenerator.finish(TextGenerator.prose(random), request.stopSequences(), request.maxTokens());
    }

    private ObjectNode message(AnthropicRequest request, TextGenerator.Generated output, int inputTokens) {
        ObjectNode body = header(Ids.anthropicMessage(), request.model());
        body.putArray("content").addObject().put("type", "text").put("text", output.text());
        body.put("stop_reason", stopReason(output));
        body.put("stop_sequence", output.stopSequence());
        body.set("usage", usage(inputTokens, output.tokens()));
        return body;
    }

    private void stream(Context ctx, AnthropicRequest request, TextGenerator.Generated output, int inputTokens,
            Duration generation) {
        SseWriter sse = new SseWriter(ctx);
        ObjectNode start = event("message_start");
        ObjectNode message = start.putObject("message");
        message.setAll(header(Ids.anthropicMessage(), request.model()));
        message.putArray("content");
        message.putNull("stop_reason");
        message.putNull("stop_sequence");
        // The API reports a token or so of output up front; message_delta carries the real total.
        message.set("usage", usage(inputTokens, Math.min(1, output.tokens())));
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
        sse.event("content_block_stop", event("content_block_stop").put("index", 0).toString());

        ObjectNode messageDelta = event("message_delta");
        messageDelta.putObject("delta").put("stop_reason", stopReason(output)).put("stop_sequence", output.stopSequence());
        messageDelta.putObject("usage")
                .put("input_tokens", inputTokens)
                .put("cache_creation_input_tokens", 0)
                .put("cache_read_input_tokens", 0)
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

    private ObjectNode usage(int inputTokens, int outputTokens) {
        ObjectNode usage = state.json.createObjectNode();
        usage.put("input_tokens", inputTokens);
        usage.put("output_tokens", outputTokens);
        usage.put("cache_creation_input_tokens", 0);
        usage.put("cache_read_input_tokens", 0);
        usage.putObject("cache_creation").put("ephemeral_5m_input_tokens", 0).put("ephemeral_1h_input_tokens", 0);
        usage.put("service_tier", "standard");
        return usage;
    }

    private static String stopReason(TextGenerator.Generated output) {
        if (output.truncated()) {
            return "max_tokens";
        }
        return output.stopSequence() != null ? "stop_sequence" : "end_turn";
    }

    private static void rateLimitHeaders(Context ctx, RateWindow.Snapshot limits) {
        String reset = limits.resetAt().truncatedTo(ChronoUnit.SECONDS).toString();
        limitHeaders(ctx, "requests", limits.requestLimit(), limits.requestsRemaining(), reset);
        limitHeaders(ctx, "tokens", limits.tokenLimit(), limits.tokensRemaining(), reset);
        limitHeaders(ctx, "input-tokens", limits.tokenLimit(), limits.inputTokensRemaining(), reset);
        limitHeaders(ctx, "output-tokens", limits.tokenLimit(), limits.outputTokensRemaining(), reset);
    }

    private static void limitHeaders(Context ctx, String kind, long limit, long remaining, String reset) {
        ctx.header("anthropic-ratelimit-" + kind + "-limit", Long.toString(limit));
        ctx.header("anthropic-ratelimit-" + kind + "-remaining", Long.toString(remaining));
        ctx.header("anthropic-ratelimit-" + kind + "-reset", reset);
    }

    private void error(Context ctx, ApiException e, String requestId, SimConfig config) {
        if (e.retryAfter != null) {
            long seconds = Math.max(1, (e.retryAfter.toMillis() + 999) / 1000);
            String reset = java.time.Instant.now().plus(e.retryAfter).truncatedTo(ChronoUnit.SECONDS).toString();
            ctx.header("retry-after", Long.toString(seconds));
            limitHeaders(ctx, "requests", config.requestsPerMinute(), 0, reset);
            limitHeaders(ctx, "tokens", config.tokensPerMinute(), 0, reset);
        }
        ObjectNode body = state.json.createObjectNode();
        body.put("type", "error");
        body.putObject("error").put("type", e.type).put("message", e.getMessage());
        body.put("request_id", requestId);
        json(ctx, e.status, body);
    }

    private void json(Context ctx, int status, Object body) {
        ctx.status(status).contentType("application/json").result(state.bytes(body));
    }
}
