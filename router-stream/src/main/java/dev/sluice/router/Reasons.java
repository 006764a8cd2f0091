package dev.sluice.router;

/**
 * Stable reason codes of requests the router does not route. They are part of the API: users
 * match on them, so a code is never renamed. The module README lists each with its meaning.
 */
public final class Reasons {
    public static final String REQUEST_ID_MISSING = "REQUEST_ID_MISSING";
    public static final String TENANT_MISSING = "TENANT_MISSING";
    public static final String EMPTY_MESSAGES = "EMPTY_MESSAGES";
    public static final String INVALID_MAX_OUTPUT_TOKENS = "INVALID_MAX_OUTPUT_TOKENS";
    public static final String INVALID_TEMPERATURE = "INVALID_TEMPERATURE";
    public static final String INVALID_RESPONSE_FORMAT = "INVALID_RESPONSE_FORMAT";
    public static final String MODEL_UNKNOWN = "MODEL_UNKNOWN";
    public static final String DEADLINE_PASSED = "DEADLINE_PASSED";

    private Reasons() {
    }
}
