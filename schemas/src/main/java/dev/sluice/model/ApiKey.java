package dev.sluice.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A tenant's API key as kept on llm.api-keys: never the key, only the SHA-256 of it (hex).
 * {@code revokedAt} is null while the key is valid.
 */
public record ApiKey(String keyId, String tenantId, String sha256, String label, Instant createdAt, Instant revokedAt) {
    public ApiKey {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    public boolean revoked() {
        return revokedAt != null;
    }

    /** The same key, revoked at {@code at}. */
    public ApiKey revoke(Instant at) {
        return new ApiKey(keyId, tenantId, sha256, label, createdAt, at);
    }
}
