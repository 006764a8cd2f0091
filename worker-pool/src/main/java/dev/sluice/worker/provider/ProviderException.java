package dev.sluice.worker.provider;

import java.time.Duration;

/**
 * A provider call that did not produce an answer. {@code status} is the HTTP status, or 0 when no
 * response arrived (connection refused, timeout). {@code retryable} follows the official SDKs:
 * 408, 409, 429, 5xx and connection failures are retryable unless the provider says otherwise
 * ({@code x-should-retry}) or the error needs the user to act (insufficient quota).
 */
public final class ProviderException extends Exception {
    private final int status;
    private final String type;
    private final String code;
    private final boolean retryable;
    private final Duration retryAfter;
    private final RateLimitHeaders rateLimits;

    public ProviderException(
            int status, String type, String code, String message, boolean retryable, Duration retryAfter) {
        this(status, type, code, message, retryable, retryAfter, RateLimitHeaders.NONE);
    }

    public ProviderException(
            int status,
            String type,
            String code,
            String message,
            boolean retryable,
            Duration retryAfter,
            RateLimitHeaders rateLimits) {
        super(message);
        this.rateLimits = rateLimits == null ? RateLimitHeaders.NONE : rateLimits;
        this.status = status;
        this.type = type;
        this.code = code;
        this.retryable = retryable;
        this.retryAfter = retryAfter;
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }

    public boolean retryable() {
        return retryable;
    }

    /** The provider's Retry-After, when it sent one. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** What the error response's headers said about the key's rate limits. */
    public RateLimitHeaders rateLimits() {
        return rateLimits;
    }

    /** A short outcome label for attempts and metrics: rate_limited, server_error, timeout, ... */
    public String outcome() {
        if (status == 0) {
            return type == null ? "connection_error" : type;
        }
        return switch (status) {
            case 400 -> "bad_request";
            case 401, 403 -> "auth_error";
            case 404 -> "not_found";
            case 408 -> "timeout";
            case 409 -> "conflict";
            case 429 -> "rate_limited";
            case 529 -> "overloaded";
            default -> status >= 500 ? "server_error" : "http_" + status;
        };
    }

    /** Whether the SDKs would retry this status, absent an x-should-retry header. */
    public static boolean retryableStatus(int status) {
        return status == 408 || status == 409 || status == 429 || status >= 500;
    }
}
