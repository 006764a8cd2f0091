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

    /** What an Authorization header comes to: the check that failed, or none, and the key when one matched. */
    private enum Check {
        MISSING,
        NOT_BEARER,
        NOT_A_KEY,
        INVALID,
        REVOKED,
        UNKNOWN_TENANT,
        OK
    }

    private record Verdict(Check check, ApiKey key) {}

    /** The one key check, for requests ({@link #tenantOf}) and open streams ({@link #stillAllowed}) alike. */
    private Verdict check(String header) {
        if (header == null || header.isBlank()) {
            return new Verdict(Check.MISSING, null);
        }
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return new Verdict(Check.NOT_BEARER, null);
        }
        String token = header.substring(7).strip();
        Optional<String> keyId = ApiKeys.keyIdOf(token);
        if (keyId.isEmpty()) {
            return new Verdict(Check.NOT_A_KEY, null);
        }
        ApiKey key = keys.get(keyId.get()).orElse(null);
        // An unknown keyId and a wrong secret get the same answer: neither tells whether the keyId exists.
        if (key == null || !ApiKeys.matches(token, key.sha256())) {
            return new Verdict(Check.INVALID, null);
        }
        if (key.revoked()) {
            return new Verdict(Check.REVOKED, key);
        }
        if (tenants.get(key.tenantId()).isEmpty()) {
            return new Verdict(Check.UNKNOWN_TENANT, key);
        }
        return new Verdict(Check.OK, key);
    }

    /** The caller's tenant; empty when the answer (401, 403 or 503) has been written. */
    public Optional<String> tenantOf(Context ctx) {
        if (!loaded()) {
            ctx.header("Retry-After", "1");
            return refuse(ctx, "loading", Problem.notReady(), null);
        }
        Verdict v = check(ctx.header("Authorization"));
        ApiKey key = v.key();
        return switch (v.check()) {
            case MISSING ->
                refuse(
                        ctx,
                        "missing",
                        Problem.unauthorized(
                                "Send an API key as 'Authorization: Bearer slk_...' (see `sluice tenants keys create`)"),
                        CHALLENGE);
            case NOT_BEARER ->
                refuse(
                        ctx,
                        "malformed",
                        Problem.unauthorized("The Authorization header must be 'Bearer <API key>'"),
                        INVALID);
            case NOT_A_KEY ->
                refuse(
                        ctx,
                        "malformed",
                        Problem.unauthorized("The bearer token is not a Sluice API key (slk_<keyId>_<secret>)"),
                        INVALID);
            case INVALID -> refuse(ctx, "invalid", Problem.unauthorized("The API key is not valid"), INVALID);
            case REVOKED ->
                refuse(
                        ctx,
                        "revoked",
                        Problem.revoked("The API key " + key.keyId() + " was revoked at "
                                + key.revokedAt().truncatedTo(ChronoUnit.SECONDS) + "; ask for a new one"),
                        INVALID);
            case UNKNOWN_TENANT ->
                refuse(
                        ctx,
                        "unknown_tenant",
                        Problem.unknownTenant(
                                "The API key's tenant '" + key.tenantId() + "' is not registered (or was deleted)"),
                        null);
            case OK -> Optional.of(key.tenantId());
        };
    }

    /**
     * Whether the request's key still gives it {@code tenant}: not revoked, the tenant still
     * registered. Answers nothing; for a long-lived stream to check as it goes.
     */
    public boolean stillAllowed(Context ctx, String tenant) {
        Verdict v = check(ctx.header("Authorization"));
        return v.check() == Check.OK && v.key().tenantId().equals(tenant);
    }

    private Optional<String> refuse(Context ctx, String reason, Problem problem, String challenge) {
        IngestMetrics.authFailure(metrics, reason);
        if (challenge != null) {
            ctx.header("WWW-Authenticate", challenge);
        }
        problem.send(ctx);
        return Optional.empty();
    }
}
