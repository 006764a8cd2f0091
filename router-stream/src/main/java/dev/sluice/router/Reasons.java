package dev.sluice.router;

import dev.sluice.runtime.requests.RequestLimits;

/**
 * Stable reason codes of requests the router does not route. They are part of the API: users
 * match on them, so a code is never renamed. The module README lists each with its meaning.
 */
public final class Reasons {
    public static final String REQUEST_ID_MISSING = "REQUEST_ID_MISSING";
    /** The request's size limits ({@link RequestLimits}), shared with ingest. */
    public static final String REQUEST_TOO_LARGE = RequestLimits.REQUEST_TOO_LARGE;

    public static final String TOO_MANY_MESSAGES = RequestLimits.TOO_MANY_MESSAGES;
    public static final String METADATA_TOO_LARGE = RequestLimits.METADATA_TOO_LARGE;
    public static final String FIELD_TOO_LONG = RequestLimits.FIELD_TOO_LONG;
    public static final String TENANT_MISSING = "TENANT_MISSING";
    public static final String TENANT_UNKNOWN = "TENANT_UNKNOWN";
    /** An operator paused the tenant ({@code sluice tenants pause}); its jobs already routed run on. */
    public static final String TENANT_PAUSED = "TENANT_PAUSED";
    /** A request on a tenant's own topic ({@code llm.requests.<tenant>}) that names another tenant. */
    public static final String TENANT_MISMATCH = "TENANT_MISMATCH";

    public static final String EMPTY_MESSAGES = "EMPTY_MESSAGES";
    public static final String MESSAGE_TOO_LARGE = "MESSAGE_TOO_LARGE";
    public static final String INPUT_TOO_LONG = "INPUT_TOO_LONG";
    public static final String INVALID_MAX_OUTPUT_TOKENS = "INVALID_MAX_OUTPUT_TOKENS";
    public static final String INVALID_TEMPERATURE = "INVALID_TEMPERATURE";
    public static final String INVALID_RESPONSE_FORMAT = "INVALID_RESPONSE_FORMAT";
    public static final String MODEL_UNKNOWN = "MODEL_UNKNOWN";
    public static final String MODEL_NOT_ALLOWED = "MODEL_NOT_ALLOWED";
    public static final String TIER_NOT_ALLOWED = "TIER_NOT_ALLOWED";
    public static final String WEBHOOK_NOT_ALLOWED = "WEBHOOK_NOT_ALLOWED";
    public static final String DEADLINE_PASSED = "DEADLINE_PASSED";
    public static final String INJECTION_SUSPECTED = "INJECTION_SUSPECTED";
    public static final String BUDGET_EXCEEDED = "BUDGET_EXCEEDED";
    public static final String ORIGINAL_UNFINISHED = "ORIGINAL_UNFINISHED";
    /** The idempotency key was used within the window by a request that asked for something else. */
    public static final String IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED";
    /** The original is still running and as many duplicates as the router keeps already wait for it. */
    public static final String DUPLICATE_IN_PROGRESS = "DUPLICATE_IN_PROGRESS";

    private Reasons() {}
}
