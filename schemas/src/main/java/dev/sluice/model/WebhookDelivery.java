package dev.sluice.model;

import java.time.Instant;

/** A webhook delivery between tries; {@code body} is the exact JSON every try sends. */
public record WebhookDelivery(
        String requestId,
        String tenantId,
        String endpoint,
        String body,
        int attempt,
        Instant notBefore,
        Integer lastStatus,
        String lastError,
        Instant firstAttemptAt) {}
