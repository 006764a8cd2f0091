package dev.sluice.worker.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.model.Usage;
import dev.sluice.runtime.config.Secret;
import java.net.URI;
import java.time.Duration;

/**
 * What OpenAI's API (and OpenAI-compatible servers) is on the wire, for the chat adapter and the
 * batch adapter alike: the key as a bearer token, error answers, and chat.completion bodies. One
 * place, so that a batch call's error is read as a chat call's is: same provider, same key, same
 * limits and the same quota.
 */
record OpenAiProtocol(String name, Secret apiKey) implements WireProtocol {
    /** A request to {@code uri} with the key; a server that needs none (a local vLLM) gets no header. */
    @Override
    public ProviderHttp.Request request(URI uri) {
        ProviderHttp.Request request = ProviderHttp.Request.to(uri);
        if (!apiKey.isEmpty()) {
            request.header("Authorization", "Bearer " + apiKey.reveal());
        }
        return request;
    }

    /** A chat.completion answer, with its request id and what its headers say of the key's limits. */
    @Override
    public ProviderReply reply(ProviderHttp.Answer response) throws ProviderException {
        ProviderReply reply = reply(
                json(response),
                response.statusCode(),
                response.headers().firstValue("x-request-id").orElse(null));
        return reply.withRateLimits(RateLimitHeaders.openAi(response.headers()));
    }

    /** Reads a chat.completion body: the first choice's text, usage with cached prompt tokens apart. */
    static ProviderReply reply(JsonNode root, int status, String requestId) {
        JsonNode choice = root.path("choices").path(0);
        JsonNode message = choice.path("message");
        String text =
                message.path("content").isNull() ? "" : message.path("content").asText("");
        JsonNode usage = root.path("usage");
        long prompt = usage.path("prompt_tokens").asLong();
        long cached = usage.path("prompt_tokens_details").path("cached_tokens").asLong(0);
        long completion = usage.path("completion_tokens").asLong();
        return new ProviderReply(
                text,
                choice.path("finish_reason").asText(null),
                new Usage(Math.max(0, prompt - cached), completion, cached, 0),
                status,
                requestId);
    }

    /**
     * An error answer: its retryability (an exhausted quota needs the user, so it is never
     * retried, whatever its status), Retry-After and the key's rate limits.
     */
    @Override
    public ProviderException error(ProviderHttp.Answer response) {
        JsonNode err = ProviderHttp.errorObject(response);
        return error(
                response.statusCode(),
                err,
                ProviderHttp.retryable(response, needsUser(err)),
                ProviderHttp.retryAfter(response),
                RateLimitHeaders.openAi(response.headers()));
    }

    /**
     * An error object given with {@code status} but no headers, as in a batch's error lines: the
     * status and the quota decide if it is retried.
     */
    ProviderException error(int status, JsonNode err) {
        return error(
                status, err, !needsUser(err) && ProviderException.retryableStatus(status), null, RateLimitHeaders.NONE);
    }

    private ProviderException error(
            int status, JsonNode err, boolean retryable, Duration retryAfter, RateLimitHeaders rateLimits) {
        return new ProviderException(
                status,
                err.path("type").asText(null),
                err.path("code").asText(null),
                name + ": " + err.path("message").asText("HTTP " + status),
                retryable,
                retryAfter,
                rateLimits);
    }

    private static boolean needsUser(JsonNode err) {
        return "insufficient_quota".equals(err.path("code").asText(null))
                || "insufficient_quota".equals(err.path("type").asText(null));
    }
}
