package dev.sluice.model;

import java.util.Objects;

/** Why a request did not succeed: a stable reason code and a sentence a user can act on. */
public record ResultError(String code, String message, boolean retryable) {
    public ResultError {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
    }
}
