package dev.sluice.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A user's judgement of a job's answer, kept on llm.feedback (keyed by tenantId): a score from 0
 * (worst) to 1 (best) and an optional label. The latest feedback of a job counts.
 */
public record Feedback(
        String feedbackId, String requestId, String tenantId, double score, String label, Instant createdAt) {
    public Feedback {
        Objects.requireNonNull(feedbackId, "feedbackId");
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(createdAt, "createdAt");
        if (!(score >= 0 && score <= 1)) {
            throw new IllegalArgumentException("score must be from 0 to 1, not " + score);
        }
    }
}
