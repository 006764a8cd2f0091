package dev.sluice.sim;

import java.time.Duration;

/**
 * The error each provider returns for a status code, as the real APIs word them (reference
 * sections 1 and 3). Statuses a provider does not document get its generic client or server
 * error type, so any 4xx/5xx can be injected into either protocol.
 */
final class Faults {

    static final String OPENAI_ORG = "org-sim";

    private Faults() {}

    static ApiException openAi(int status, String model, SimConfig config) {
        Duration retryAfter = config.retryAfter();
        return switch (status) {
            case 400 ->
                openAi(
                        400,
                        "invalid_request_error",
                        "Invalid request: the simulator rejected this request (injected fault).",
                        null);
            case 401 ->
                openAi(
                        401,
                        "invalid_request_error",
                        "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
                        "invalid_api_key");
            case 403 ->
                openAi(
                        403,
                        "request_forbidden",
                        "Country, region, or territory not supported",
                        "unsupported_country_region_territory");
            case 404 ->
                openAi(
                        404,
                        "invalid_request_error",
                        "The model `" + model + "` does not exist or you do not have access to it.",
                        "model_not_found");
            case 408 -> openAi(408, "timeout", "Request timed out.", null);
            case 409 ->
                openAi(
                        409,
                        "invalid_request_error",
                        "The request conflicts with another request in progress. Please try again.",
                        "conflict");
            case 429 ->
                openAiRateLimit(
                        model,
                        "requests",
                        "requests per min (RPM)",
                        config.requestsPerMinute(),
                        config.requestsPerMinute(),
                        1,
                        retryAfter);
            case 500 ->
                openAi(
                        500,
                        "server_error",
                        "The server had an error while processing your request. Sorry about that!",
                        null);
            case 502 -> openAi(502, "server_error", "Bad gateway.", null);
            case 503 ->
                openAi(503, "server_error", "The engine is currently overloaded, please try again later.", null);
            case 504 -> openAi(504, "server_error", "Gateway timeout.", null);
            default ->
                status < 500
                        ? openAi(status, "invalid_request_error", "Request failed with status " + status + ".", null)
                        : openAi(status, "server_error", "The server had an error processing your request.", null);
        };
    }

    /** {@code kind} is the body's {@code type}: {@code requests} or {@code tokens}, as OpenAI sends it. */
    static ApiException openAiRateLimit(
            String model, String kind, String unit, long limit, long used, long requested, Duration retryAfter) {
        String message = "Rate limit reached for " + model + " in organization " + OPENAI_ORG + " on " + unit
                + ": Limit " + limit + ", Used " + used + ", Requested " + requested + ". Please try again in "
                + RateWindow.goDuration(retryAfter)
                + ". Visit https://platform.openai.com/account/rate-limits to learn more.";
        return new ApiException(429, kind, message, null, "rate_limit_exceeded", retryAfter);
    }

    /** A request that alone asks for more than a minute's tokens; OpenAI answers it with a 429 too. */
    static ApiException openAiTooLarge(String model, long limit, long requested, Duration retryAfter) {
        String message = "Request too large for " + model + " in organization " + OPENAI_ORG
                + " on tokens per min (TPM): Limit " + limit + ", Requested " + requested
                + ". The input or output tokens must be reduced in order to run successfully. "
                + "Visit https://platform.openai.com/account/rate-limits to learn more.";
        return new ApiException(429, "tokens", message, null, "rate_limit_exceeded", retryAfter);
    }

    static ApiException anthropic(int status, String model, SimConfig config) {
        return switch (status) {
            case 400 ->
                anthropic(
                        400,
                        "invalid_request_error",
                        "There was an issue with the format or content of your request (injected fault).");
            case 401 -> anthropic(401, "authentication_error", "invalid x-api-key");
            case 402 ->
                anthropic(
                        402,
                        "billing_error",
                        "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.");
            case 403 ->
                anthropic(
                        403,
                        "permission_error",
                        "Your API key does not have permission to use the specified resource.");
            case 404 -> anthropic(404, "not_found_error", "model: " + model);
            case 413 -> anthropic(413, "request_too_large", "Request exceeds the maximum allowed number of bytes.");
            case 429 -> anthropicRateLimit("requests", config.requestsPerMinute(), config.retryAfter());
            case 500 -> anthropic(500, "api_error", "Internal server error");
            case 504 -> anthropic(504, "timeout_error", "Request timed out");
            case 529 -> anthropic(529, "overloaded_error", "Overloaded");
            default ->
                anthropic(
                        status,
                        status < 500 ? "invalid_request_error" : "api_error",
                        "Request failed with status " + status + ".");
        };
    }

    static ApiException anthropicRateLimit(String what, long limit, Duration retryAfter) {
        String message = "This request would exceed the rate limit for your organization (sluice-sim) of "
                + limit + " " + what + " per minute. For details, refer to: "
                + "https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage.";
        return new ApiException(429, "rate_limit_error", message, null, null, retryAfter);
    }

    private static ApiException openAi(int status, String type, String message, String code) {
        return new ApiException(status, type, message, null, code, null);
    }

    private static ApiException anthropic(int status, String type, String message) {
        return new ApiException(status, type, message, null, null, null);
    }
}
