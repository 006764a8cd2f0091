package dev.sluice.ingest;

import dev.sluice.model.ApiKey;
import dev.sluice.runtime.kafka.CompactedTable;
import dev.sluice.runtime.tenants.ApiKeys;
import dev.sluice.runtime.tenants.TenantDirectory;
import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * Who is calling: the tenant of the {@code Authorization: Bearer} API key (ADR 0011), checked
 * against llm.api-keys and llm.tenants held in memory. Any endpoint can use it: it answers the
 * 401, 403 or 503 problem itself and leaves the handler nothing to do but return. The key is
 * never logged or echoed; answers name the keyId at most, and only once the secret matched.
 */
public final class ApiKeyAuth {
    private static final String CHALLENGE = "Bearer realm=\"sluice\"";
    private static final String INVALID = CHALLENGE + ", error=\"invalid_token\"";

    private final CompactedTable<ApiKey> keys;
    private final TenantDirectory tenants;
    private final MeterRegistry metrics;

    ApiKeyAuth(CompactedTable<ApiKey> keys, TenantDirectory tenants, MeterRegistry metrics) {
        this.keys = keys;
        this.tenants = tenants;
        this.metrics = metrics;
    }

    /** Whether both topics have been read once; before that every request is answered 503. */
    public boolean loaded() {
        return keys.loaded() && tenants.loaded();
    }

    /** The caller's tenant; empty when the answer (401, 403 or 503) has been written. */
    public Optional<String> tenantOf(Context ctx) {
        if (!loaded()) {
            ctx.header("Retry-After", "1");
            return refuse(ctx, "loading", Problem.notReady(), null);
        }
        String header = ctx.header("Authorization");
        if (header == null || header.isBlank()) {
            return refuse(ctx, "missing", Problem.unauthorized(
                    "Send an API key as 'Authorization: Bearer slk_...' (see `sluice tenants keys create`)"), CHALLENGE);
        }
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return refuse(ctx, "malformed", Problem.unauthorized(
                    "The Authorization header must be 'Bearer <API key>'"), INVALID);
        }
        String token = header.substring(7).strip();
        Optional<String> keyId = ApiKeys.keyIdOf(token);
        if (keyId.isEmpty()) {
            return refuse(ctx, "malformed", Problem.unauthorized(
                    "The bearer token is not a Sluice API key (slk_<keyId>_<secret>)"), INVALID);
        }
        ApiKey key = keys.get(keyId.get()).orElse(null);
        // An unknown keyId and a wrong secret get the same answer: neither tells whether the keyId exists.
        if (key == null || !ApiKeys.matches(token, key.sha256())) {
            return refuse(ctx, "invalid", Problem.unauthorized("The API key is not valid"), INVALID);
        }
        if (key.revoked()) {
            return refuse(ctx, "revoked", Problem.revoked("The API key " + key.keyId() + " was revoked at "
                    + key.revokedAt().truncatedTo(ChronoUnit.SECONDS) + "; ask for a new one"), INVALID);
        }
        if (tenants.get(key.tenantId()).isEmpty()) {
            return refuse(ctx, "unknown_tenant", Problem.unknownTenant("The API key's tenant '" + key.tenantId()
                    + "' is not registered (or was deleted)"), null);
        }
        return Optional.of(key.tenantId());
    }

    /**
     * Whether the request's key still gives it {@code tenant}: not revoked, the tenant still
     * registered. Answers nothing; for a long-lived stream to check as it goes.
     */
    public boolean stillAllowed(Context ctx, String tenant) {
        String header = ctx.header("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        String token = header.substring(7).strip();
        return ApiKeys.keyIdOf(token).flatMap(keys::get)
                .filter(k -> ApiKeys.matches(token, k.sha256()) && !k.revoked() && k.tenantId().equals(tenant))
                .isPresent() && tenants.get(tenant).isPresent();
    }

    private Optional<String> refuse(Context ctx, String reason, Problem problem, String challenge) {
        metrics.counter("sluice_ingest_auth_failures_total", "reason", reason).increment();
        if (challenge != null) {
            ctx.header("WWW-Authenticate", challenge);
        }
        problem.send(ctx);
        return Optional.empty();
    }
}
