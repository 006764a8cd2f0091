package dev.sluice.sim;

import java.time.Duration;

/**
 * An error answer, independent of protocol: each API renders it in its own body shape.
 * {@code param} and {@code code} only appear in OpenAI bodies.
 */
final class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    final int status;
    final String type;
    final String param;
    final String code;
    /** Sent as retry-after on 429s; null for every other error. */
    final Duration retryAfter;

    ApiException(int status, String type, String message, String param, String code, Duration retryAfter) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfter = retryAfter;
    }

    static ApiException invalid(String message, String param, String code) {
        return new ApiException(400, "invalid_request_error", message, param, code, null);
    }
}
