package dev.sluice.worker.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.model.Usage;
import dev.sluice.runtime.config.Secret;
import java.net.URI;
import java.time.Instant;

/**
 * What Anthropic's API is on the wire, for the Messages adapter and the Message Batches adapter
 * alike: the key and the API version every request carries, error answers, and Message bodies.
 * One place, so that a batch call's error is read as a chat call's is: same provider, same key,
 * same limits.
 */
record AnthropicProtocol(String name, Secret apiKey) implements WireProtocol {
    static final String VERSION = "2023-06-01";

    /** A request to {@code uri} with the API version and the key; a stand-in that needs no key gets none. */
    @Override
    public ProviderHttp.Request request(URI uri) {
        ProviderHttp.Request request = ProviderHttp.Request.to(uri).header("anthropic-version", VERSION);
        if (!apiKey.isEmpty()) {
            request.header("x-api-key", apiKey.reveal());
        }
        return request;
    }

    /** A Message answer, with its request id and what its headers say of the key's limits. */
    @Override
    public ProviderReply reply(ProviderHttp.Answer response) throws ProviderException {
        ProviderReply reply = reply(
                json(response),
                response.statusCode(),
                response.headers().firstValue("request-id").orElse(null));
        return reply.withRateLimits(RateLimitHeaders.anthropic(response.headers(), Instant.now()));
    }

    /** Reads a Message: text blocks joined, usage with cache reads and writes apart. */
    static ProviderReply reply(JsonNode root, int status, String requestId) {
        StringBuilder text = new StringBuilder();
        for (JsonNode block : root.path("content")) {
            if ("text".equals(block.path("type").asText())) {
                text.append(block.path("text").asText(""));
            }
        }
        JsonNode usage = root.path("usage");
        return new ProviderReply(
                text.toString(),
                finishReason(root.path("stop_reason").asText(null)),
                new Usage(
                        usage.path("input_tokens").asLong(),
                        usage.path("output_tokens").asLong(),
                        usage.path("cache_read_input_tokens").asLong(0),
                        usage.path("cache_creation_input_tokens").asLong(0)),
                status,
                requestId);
    }

    /** Anthropic's stop reasons in the vocabulary results use (OpenAI's finish reasons). */
    static String finishReason(String stopReason) {
        if (stopReason == null) {
            return null;
        }
        return switch (stopReason) {
            case "end_turn", "stop_sequence" -> "stop";
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "refusal" -> "content_filter";
            case "tool_use" -> "tool_calls";
            default -> stopReason;
        };
    }

    /**
     * An error answer: its retryability (a spend limit reached needs the user, so it is never
     * retried, whatever its status), Retry-After and the key's rate limits.
     */
    @Override
    public ProviderException error(ProviderHttp.Answer response) {
        int status = response.statusCode();
        JsonNode err = ProviderHttp.errorObject(response);
        String code = err.path("details").path("error_code").asText(null);
        return new ProviderException(
                status,
                err.path("type").asText(null),
                code,
                name + ": " + err.path("message").asText("HTTP " + status),
                ProviderHttp.retryable(response, "enforced_spend_limit_reached".equals(code)),
                ProviderHttp.retryAfter(response),
                RateLimitHeaders.anthropic(response.headers(), Instant.now()));
    }

    /**
     * An error object with no answer around it, as in a batch's errored results: its status is
     * the one a synchronous call would have had for its type, and decides if it is retried.
     */
    ProviderException error(JsonNode err) {
        String type = err.path("type").asText("api_error");
        int status = statusOf(type);
        return new ProviderException(
                status,
                type,
                null,
                name + ": " + err.path("message").asText(type),
                ProviderException.retryableStatus(status),
                null);
    }

    /** The HTTP status a synchronous call would have had for this error type. */
    static int statusOf(String errorType) {
        return switch (errorType) {
            case "invalid_request_error" -> 400;
            case "authentication_error" -> 401;
            case "billing_error" -> 402;
            case "permission_error" -> 403;
            case "not_found_error" -> 404;
            case "request_too_large" -> 413;
            case "rate_limit_error" -> 429;
            case "timeout_error" -> 504;
            case "overloaded_error" -> 529;
            default -> 500;
        };
    }
}
