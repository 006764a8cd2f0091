package dev.sluice.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;

/**
 * {@code POST /v1/chat/completions}: OpenAI's request checks, body shapes, headers and SSE; also
 * the key check and error shape every other OpenAI route uses.
 */
final class OpenAiApi {

    private final SimState state;

    OpenAiApi(SimState state) {
        this.state = state;
    }

    void chatCompletions(Context ctx) {
        long started = System.nanoTime();
        SimConfig config = state.config();
        identify(ctx);
        String model = "unknown";
        try {
            String apiKey = authenticate(ctx, config);
            JsonNode body = parse(ctx);
            OpenAiRequest request = OpenAiRequest.parse(body);
            model = request.model();
            Duration firstByte = state.firstByteDelay(ctx, config);
            OptionalInt failure = state.failure(ctx, config, "openai", model, firstByte);
            if (failure.isPresent()) {
                if (failure.getAsInt() == 429) {
                    RateLimitHeaders.openAiExhausted(ctx, config, config.retryAfter());
                }
                throw Faults.openAi(failure.getAsInt(), model, config);
            }
            int promptTokens = request.promptTokens();
            RateWindow window = state.limits.forKey("openai", apiKey, state.now());
            // OpenAI counts the requested output cap against TPM at admission; without a cap only
            // the prompt is known up front and the real output is added once generated.
            RateWindow.Snapshot admitted =
                    window.admit(config, state.now(), promptTokens, request.requestedMaxTokens());
            if (admitted.exceeded()) {
                RateLimitHeaders.openAi(ctx, admitted);
                state.stats.rateLimited(apiKey);
                throw rateLimited(model, admitted);
            }
            int cachedTokens = cachedTokens(config, apiKey, request, promptTokens);
            TextGenerator.Generated output = generate(request);
            long unreserved = request.requestedMaxTokens() == 0 ? output.tokens() : 0;
            RateLimitHeaders.openAi(ctx, window.addOutput(config, state.now(), unreserved));
            state.stats.tokens(promptTokens, output.tokens(), cachedTokens, 0);
            state.stats.answered("openai", body.get("messages"));
            ObjectNode usage = usage(promptTokens, cachedTokens, output.tokens());
            Duration generation = SimState.generationTime(config, output.tokens());
            if (request.stream()) {
                SimState.pause(firstByte);
                processingTime(ctx, started);
                stream(ctx, request, output, usage, generation);
            } else {
                SimState.pause(firstByte.plus(generation));
                processingTime(ctx, started);
                state.respond(ctx, 200, completion(request, output, usage));
            }
        } catch (ApiException e) {
            error(ctx, e);
        }
    }

    /**
     * Runs one files or batches endpoint as chat completions does: an {@code x-request-id}
     * header, the key check, and any ApiException answered in OpenAI's error shape.
     */
    void serve(Context ctx, java.util.function.Consumer<SimConfig> endpoint) {
        ctx.header("x-request-id", Ids.openAiRequest());
        try {
            SimConfig config = state.config();
            authenticate(ctx, config);
            endpoint.accept(config);
        } catch (ApiException e) {
            error(ctx, e);
        }
    }

    /** OpenAI's shape for any unknown path under /v1. */
    void invalidUrl(Context ctx) {
        ctx.header("x-request-id", Ids.openAiRequest());
        error(
                ctx,
                new ApiException(
                        404,
                        "invalid_request_error",
                        "Invalid URL (" + ctx.method() + " " + ctx.path() + ")",
                        null,
                        null,
                        null));
    }

    /** The headers every OpenAI answer carries, an error's included. */
    static void identify(Context ctx) {
        ctx.header("x-request-id", Ids.openAiRequest());
        ctx.header("openai-version", "2020-10-01");
    }

    static String mask(String key) {
        if (key.length() < 10) {
            return "*".repeat(Math.max(4, key.length()));
        }
        return key.substring(0, 5) + "*".repeat(key.length() - 9) + key.substring(key.length() - 4);
    }

    /** Automatic caching: free to write, so only reads are reported, and never under 1,024 prompt tokens. */
    private int cachedTokens(SimConfig config, String apiKey, OpenAiRequest request, int promptTokens) {
        if (!config.promptCache() || promptTokens < PromptCache.OPENAI_MINIMUM_TOKENS) {
            return 0;
        }
        return state.promptCache.openAi(
                apiKey,
                request.model(),
                request.promptSequence(),
                request.extendedCache() ? PromptCache.OPENAI_EXTENDED_TTL : PromptCache.OPENAI_TTL,
                state.now());
    }

    static ApiException rateLimited(String model, RateWindow.Snapshot window) {
        return switch (window.verdict()) {
            case REQUESTS ->
                Faults.openAiRateLimit(
                        model,
                        "requests",
                        "requests per min (RPM)",
                        window.requestLimit(),
                        window.requestsUsed(),
                        1,
                        window.resetIn());
            case TOKENS ->
                Faults.openAiRateLimit(
                        model,
                        "tokens",
                        "tokens per min (TPM)",
                        window.tokenLimit(),
                        window.tokensUsed(),
                        window.tokensRequested(),
                        window.resetIn());
            case TOO_LARGE ->
                Faults.openAiTooLarge(model, window.tokenLimit(), window.tokensRequested(), window.resetIn());
            case ADMITTED -> throw new IllegalStateException("an admitted request is not rate-limited");
        };
    }

    /** The caller's key, which also names its rate window and prompt-cache scope. */
    static String authenticate(Context ctx, SimConfig config) {
        String header = ctx.header("Authorization");
        String key = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
                ? header.substring(7).trim()
                : "";
        if (key.isEmpty()) {
            throw new ApiException(
                    401,
                    "invalid_request_error",
                    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth "
                            + "(i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're "
                            + "accessing the API from your browser and are prompted for a username and password. You can obtain "
                            + "an API key from https://platform.openai.com/account/api-keys.",
                    null,
                    null,
                    null);
        }
        if (!config.acceptsKey(key)) {
            throw new ApiException(
                    401,
                    "invalid_request_error",
                    "Incorrect API key provided: " + mask(key)
                            + ". You can find your API key at https://platform.openai.com/account/api-keys.",
                    null,
                    "invalid_api_key",
                    null);
        }
        return key;
    }

    JsonNode parse(Context ctx) {
        try {
            return state.json.readTree(ctx.bodyAsBytes());
        } catch (java.io.IOException e) {
            throw ApiException.invalid(
                    "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
                            + "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid "
                            + "JSON. If you have trouble figuring out how to fix this, please contact us through our help center at "
                            + "help.openai.com.)",
                    null,
                    null);
        }
    }

    /** A request whose last user message carries {@value TextGenerator#LONG_OUTPUT_MARKER}: answered up to its cap. */
    private static boolean rambles(OpenAiRequest request) {
        String last = OpenAiBatchInput.lastUserText(request);
        return last != null && last.contains(TextGenerator.LONG_OUTPUT_MARKER);
    }

    TextGenerator.Generated generate(OpenAiRequest request) {
        Random random = new Random(TextGenerator.seed(request.seedParts()));
        java.util.Optional<String> graded =
                Answers.answer(state.json, request.model(), OpenAiBatchInput.lastUserText(request));
        String full = graded.isPresent()
                ? graded.get()
                : switch (request.formatType()) {
                    case "json_object" -> StructuredOutput.jsonObject(state.json, random);
                    case "json_schema" -> StructuredOutput.fromSchema(state.json, request.schema(), random);
                    default ->
                        rambles(request)
                                ? TextGenerator.rambling(random, request.maxTokens())
                                : TextGenerator.prose(random);
                };
        return TextGenerator.finish(full, request.stop(), request.maxTokens());
    }

    ObjectNode completion(OpenAiRequest request, TextGenerator.Generated output, ObjectNode usage) {
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

    private void stream(
            Context ctx, OpenAiRequest request, TextGenerator.Generated output, ObjectNode usage, Duration generation) {
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

    /** {@code prompt_tokens} includes the cached tokens, unlike Anthropic's {@code input_tokens}. */
    ObjectNode usage(int promptTokens, int cachedTokens, int completionTokens) {
        ObjectNode usage = state.json.createObjectNode();
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
        usage.putObject("prompt_tokens_details")
                .put("cached_tokens", cachedTokens)
                .put("audio_tokens", 0);
        usage.putObject("completion_tokens_details")
                .put("reasoning_tokens", 0)
                .put("audio_tokens", 0)
                .put("accepted_prediction_tokens", 0)
                .put("rejected_prediction_tokens", 0);
        return usage;
    }

    private static String finishReason(TextGenerator.Generated output) {
        return output.truncated() ? "length" : "stop";
    }

    static void processingTime(Context ctx, long startedNanos) {
        ctx.header("openai-processing-ms", Long.toString((System.nanoTime() - startedNanos) / 1_000_000));
    }

    /** The x-ratelimit headers of a 429 were set by whoever decided on it; the retry hints are set here. */
    void error(Context ctx, ApiException e) {
        if (e.retryAfter != null) {
            ctx.header("retry-after", RateLimitHeaders.retryAfterSeconds(e.retryAfter));
            ctx.header("retry-after-ms", Long.toString(Math.max(1, e.retryAfter.toMillis())));
        }
        state.respond(ctx, e.status, errorBody(e));
    }

    /** {@code {"error":{"message","type","param","code"}}}, also the body of a failed batch line. */
    ObjectNode errorBody(ApiException e) {
        ObjectNode body = state.json.createObjectNode();
        ObjectNode error = body.putObject("error");
        error.put("message", e.getMessage());
        error.put("type", e.type);
        error.put("param", e.param);
        error.put("code", e.code);
        return body;
    }
}
