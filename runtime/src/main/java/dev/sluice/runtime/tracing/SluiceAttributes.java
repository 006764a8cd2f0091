package dev.sluice.runtime.tracing;

import io.opentelemetry.api.common.AttributeKey;

/**
 * Span attributes every service uses for a job. OpenTelemetry's own conventions are used where
 * one exists (HTTP, messaging, GenAI); these {@code sluice.*} ones say what has none.
 */
public final class SluiceAttributes {
    public static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("sluice.request_id");
    public static final AttributeKey<String> TENANT_ID = AttributeKey.stringKey("sluice.tenant_id");
    /** What a step did with the job: {@code route}, {@code complete}, {@code waiting}, ... */
    public static final AttributeKey<String> DECISION = AttributeKey.stringKey("sluice.decision");
    /** A result's status: SUCCEEDED, FAILED, REJECTED, EXPIRED. */
    public static final AttributeKey<String> STATUS = AttributeKey.stringKey("sluice.status");
    /** The reason code of a result that did not succeed (BUDGET_EXCEEDED, PROVIDER_UNAVAILABLE, ...). */
    public static final AttributeKey<String> REASON = AttributeKey.stringKey("sluice.reason");

    public static final AttributeKey<Long> COST_MICROS = AttributeKey.longKey("sluice.cost_micros");
    public static final AttributeKey<String> BATCH_ID = AttributeKey.stringKey("sluice.batch.id");
    /** How a provider call or a webhook try ended ({@code ok}, {@code server_error}, {@code retry}, ...). */
    public static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("sluice.outcome");

    public static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
    public static final AttributeKey<String> MESSAGING_DESTINATION =
            AttributeKey.stringKey("messaging.destination.name");
    public static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");

    private SluiceAttributes() {}
}
