package dev.sluice.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;

/** {@code POST /v1/chat/completions}: OpenAI's request checks, body shapes, headers and SSE. */
final class OpenAiApi {

    private final SimState state;

    OpenAiApi(SimState state) {
        this.state = state;
    }

    void chatCompletions(Context ctx) {
        long started = System.nanoTime();
        SimConfig config = state.config();
        ctx.header("x-request-id", Ids.openAiRequest());
        ctx.header("openai-version", "2020-10-01");
        String model = "unknown";
        try {
            authenticate(ctx, config);
            OpenAiRequest request = OpenAiRequest.parse(parse(ctx));
            model = request.model();
            Duration firstByte = state.firstByteDelay(ctx, config);
            OptionalInt fault = state.fault(ctx, config);
            if (fault.isPresent()) {
                SimState.pause(firstByte);
                throw Faults.openAi(fault.getAsInt(), model, config);
            }
            int promptTokens = request.promptTokens();
            RateWindow.Snapshot admitted = state.window.admit(config, state.clock.getAsLong(), promptTokens);
            if (admitted.exceeded()) {
                rateLimitHeaders(ctx, admitted);
                throw admitted.requestsExceeded()
                        ? Faults.openAiRateLimit(model, "requests", "requests per min (RPM)", admitted.requestLimit(),
                                admitted.requestLimit(), 1, admitted.resetIn())
                        : Faults.openAiRateLimit(model, "tokens", "tokens per min (TPM)", admitted.tokenLimit(),
                                admitted.tokensUsed(), promptTokens, admitted.resetIn());
            }
            TextGenerator.Generated output = generate(request);
            rateLimitHeaders(ctx, state.window.charge(config, state.clock.getAsLong(), promptTokens, output.tokens()));
            state.stats.tokens(promptTokens, output.tokens());
            ObjectNode usage = usage(promptTokens, output.tokens());
            Duration generation = SimState.generationTime(config, output.tokens());
            if (request.stream()) {
                SimState.pause(firstByte);
                processingTime(ctx, started);
                stream(ctx, request, output, usage, generation);
            } else {
                SimState.pause(firstByte.plus(generation));
                processingTime(ctx, started);
                json(ctx, 200, completion(request, output, usage));
            }
        } catch (ApiException e) {
            error(ctx, e, config);
        }
    }

    /** OpenAI's shape for any unknown path under /v1. */
    void invalidUrl(Context ctx) {
        ctx.header("x-request-id", Ids.openAiRequest());
        error(ctx, new ApiException(404, "invalid_request_error",
                "Invalid URL (" + ctx.method() + " " + ctx.path() + ")", null, null, null), state.config());
    }

    static String mask(String key) {
        if (key.length() < 10) {
            return "*".repeat(Math.max(4, key.length()));
        }
        return key.substring(0, 5) + "*".repeat(key.length() - 9) + key.substring(key.length() - 4);
    }

    private static void authenticate(Context ctx, SimConfig config) {
        String header = ctx.header("Authorization");
        String key = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : "";
        if (key.isEmpty()) {
            throw new ApiException(401, "invalid_request_error",
                    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth "
                            + "(i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're "
                            + "accessing the API from your browser and are prompted for a username and password. You can obtain "
                            + "an API key from https://platform.openai.com/account/api-keys.",
                    null, null, null);
        }
        if (!config.acceptsKey(key)) {
            throw new ApiException(401, "invalid_request_error", "Incorrect API key provided: " + mask(key)
                    + ". You can find your API key at https://platform.openai.com/account/api-keys.", null, "invalid_api_key", null);
        }
    }

    private JsonNode parse(Context ctx) {
        try {
            return state.json.readTree(ctx.bodyAsBytes());
        } catch (java.io.IOException e) {
            throw ApiException.invalid("We could not parse the JSON body of your request. (HINT: This likely means you aren't "
                    + "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid "
                    + "JSON. If you have trouble figuring out how to fix this, please contact us through our help center at "
                    + "help.openai.com.)", null, null);
        }
    }

    private TextGenerator.Generated generate(OpenAiRequest request) {
        Random random = new Random(TextGenerator.seed(request.seedParts()));
        String full = switch (request.formatType()) {
            case "json_object" -> StructuredOutput.jsonObject(state.json, random);
            case "json_schema" -> StructuredOutput.fromSchema(state.json, request.schema(), random);
            default -> TextGenerator.prose(random);
        };
        return TextGenerator.finish(full, request.stop(), request.maxTokens());
    }

    private ObjectNode completion(OpenAiRequest request, TextGenerator.Generated output, ObjectNode usage) {
        ObjectNode body = envelope(Ids.chatCompletion(), "chat.completion", request.model());
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", output.text());
        message.putNull("refusal");
        message.putArray("annotations");
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason(output));
        body.set("usage", usage);
        body.put("service_tier", "default");
        body.put("system_fingerprint", Ids.systemFingerprint(request.model()));
        return body;
    }

    private void stream(Context ctx, OpenAiRequest request, TextGenerator.Generated output, ObjectNode usage,
            Duration generation) {
        SseWriter sse = new SseWriter(ctx);
        String id = Ids.chatCompletion();
        ObjectNode first = chunk(id, request);
        ObjectNode opening = first.withArray("choices").addObject();
        opening.put("index", 0);
        opening.putObject("delta").put("role", "assistant").put("content", "").putNull("refusal");
        opening.putNull("logprobs");
        opening.putNull("finish_reason");
        sse.data(first.toString());
        List<String> pieces = TextGenerator.pieces(output.text());
        Duration perPiece = SseWriter.perChunk(generation, pieces.size());
        for (String piece : pieces) {
            SimState.pause(perPiece);
            ObjectNode chunk = chunk(id, request);
            ObjectNode choice = chunk.withArray("choices").addObject();
            choice.put("index", 0);
            choice.putObject("delta").put("content", piece);
            choice.putNull("logprobs");
            choice.putNull("finish_reason");
            sse.data(chunk.toString());
        }
        ObjectNode last = chunk(id, request);
        ObjectNode closing = last.withArray("choices").addObject();
        closing.put("index", 0);
        closing.putObject("delta");
        closing.putNull("logprobs");
        closing.put("finish_reason", finishReason(output));
        sse.data(last.toString());
        if (request.includeUsage()) {
            ObjectNode usageChunk = chunk(id, request);
            usageChunk.set("usage", usage);
            sse.data(usageChunk.toString());
        }
        sse.data("[DONE]");
    }

    private ObjectNode chunk(String id, OpenAiRequest request) {
        ObjectNode chunk = envelope(id, "chat.completion.chunk", request.model());
        chunk.put("service_tier", "default");
        chunk.put("system_fingerprint", Ids.systemFingerprint(request.model()));
        chunk.putArray("choices");
        if (request.includeUsage()) {
            chunk.putNull("usage");
        }
        return chunk;
    }

    private ObjectNode envelope(String id, String object, String model) {
        ObjectNode body = state.json.createObjectNode();
        body.put("id", id);
        body.put("object", object);
        body.put("created", Instant.now().getEpochSecond());
        body.put("model", model);
        return body;
    }

    private ObjectNode usage(int promptTokens, int completionTokens) {
        ObjectNode usage = state.json.createObjectNode();
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
        usage.putObject("prompt_tokens_details").put("cached_tokens", 0).put("audio_tokens", 0);
        usage.putObject("completion_tokens_details").put("reasoning_tokens", 0).put("audio_tokens", 0)
                .put("accepted_prediction_tokens", 0).put("rejected_prediction_tokens", 0);
        return usage;
    }

    private static String finishReason(TextGenerator.Generated output) {
        return output.truncated() ? "length" : "stop";
    }

    private static void rateLimitHeaders(Context ctx, RateWindow.Snapshot limits) {
        String reset = RateWindow.goDuration(limits.resetIn());
        ctx.header("x-ratelimit-limit-requests", Long.toString(limits.requestLimit()));
        ctx.header("x-ratelimit-limit-tokens", Long.toString(limits.tokenLimit()));
        ctx.header("x-ratelimit-remaining-requests", Long.toString(limits.requestsRemaining()));
        ctx.header("x-ratelimit-remaining-tokens", Long.toString(limits.tokensRemaining()));
        ctx.header("x-ratelimit-reset-requests", reset);
        ctx.header("x-ratelimit-reset-tokens", reset);
    }

    private static void processingTime(Context ctx, long startedNanos) {
        ctx.header("openai-processing-ms", Long.toString((System.nanoTime() - startedNanos) / 1_000_000));
    }

    private void error(Context ctx, ApiException e, SimConfig config) {
        // A 429 says "nothing left until the reset", whichever limit tripped it.
        if (e.retryAfter != null) {
            long millis = Math.max(1, e.retryAfter.toMillis());
            ctx.header("retry-after", Long.toString(Math.max(1, (millis + 999) / 1000)));
            ctx.header("retry-after-ms", Long.toString(millis));
            ctx.header("x-ratelimit-limit-requests", Long.toString(config.requestsPerMinute()));
            ctx.header("x-ratelimit-limit-tokens", Long.toString(config.tokensPerMinute()));
            ctx.header("x-ratelimit-remaining-requests", "0");
            ctx.header("x-ratelimit-remaining-tokens", "0");
            ctx.header("x-ratelimit-reset-requests", RateWindow.goDuration(e.retryAfter));
            ctx.header("x-ratelimit-reset-tokens", RateWindow.goDuration(e.retryAfter));
        }
        ObjectNode body = state.json.createObjectNode();
        ObjectNode error = body.putObject("error");
        error.put("message", e.getMessage());
        error.put("type", e.type);
        error.put("param", e.param);
        error.put("code", e.code);
        json(ctx, e.status, body);
    }

    private void json(Context ctx, int status, Object body) {
        ctx.status(status).contentType("application/json").result(state.bytes(body));
    }
}
