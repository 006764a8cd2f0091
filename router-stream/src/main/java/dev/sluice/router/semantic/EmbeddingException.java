package dev.sluice.router.semantic;

import java.time.Duration;

/**
 * A remote embedder had no vector for a text: the endpoint refused the call, did not answer, or
 * answered something that is not an embedding. The message names the embedder and the status,
 * never the API key.
 */
public final class EmbeddingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;
    private final transient Duration retryAfter;

    EmbeddingException(String message, int status, String code, Duration retryAfter) {
        super(message);
        this.status = status;
        this.code = code;
        this.retryAfter = retryAfter;
    }

    /** The HTTP status, or 0 when there was no answer (timeout, connection refused). */
    public int status() {
        return status;
    }

    /** The provider's {@code error.code}, else its {@code error.type}; null when the body had neither. */
    public String code() {
        return code;
    }

    /** The wait the provider asked for ({@code retry-after-ms}, else {@code retry-after}); null if none. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
