package dev.sluice.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An LLM request as it arrives on llm.requests. Optional parts are null: idempotencyKey (means
 * requestId), userId, deadline, model, tier (means the tenant's default), temperature (means the
 * provider's default), responseFormat (means TEXT), webhook (means the tenant's first endpoint).
 */
public record LlmRequest(
        String requestId,
        String tenantId,
        String idempotencyKey,
        String userId,
        Priority priority,
        Instant deadline,
        String model,
        Tier tier,
        List<Message> messages,
        int maxOutputTokens,
        Double temperature,
        ResponseFormat responseFormat,
        String webhook,
        Map<String, String> metadata,
        Instant createdAt) {

    public static final int DEFAULT_MAX_OUTPUT_TOKENS = 1024;
    /** Metadata that keeps Sluice's cache out of one request ({@code "sluice.cache": "skip"}): read by the router, set by evals. */
    public static final String CACHE_METADATA = "sluice.cache";

    public static final String CACHE_SKIP = "skip";

    public LlmRequest {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(createdAt, "createdAt");
        priority = priority == null ? Priority.NORMAL : priority;
        messages = messages == null ? List.of() : List.copyOf(messages);
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    /** The key duplicates are recognised by: the idempotency key, or the requestId when there is none. */
    public String effectiveIdempotencyKey() {
        return idempotencyKey == null || idempotencyKey.isEmpty() ? requestId : idempotencyKey;
    }

    /** A minimal request: one user message, defaults for everything else. */
    public static LlmRequest of(String requestId, String tenantId, String prompt, Instant createdAt) {
        return new LlmRequest(
                requestId,
                tenantId,
                null,
                null,
                Priority.NORMAL,
                null,
                null,
                null,
                List.of(Message.user(prompt)),
                DEFAULT_MAX_OUTPUT_TOKENS,
                null,
                null,
                null,
                Map.of(),
                createdAt);
    }
}
