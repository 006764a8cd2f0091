package dev.sluice.router.state;

import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import java.util.ArrayList;
import java.util.List;

/**
 * What the router remembers per (tenant, idempotency key): the first request's id and, until its
 * result arrives, what must follow that result: the budget to release, the cache key to fill,
 * and the duplicates waiting for the outcome. After the result it holds the outcome itself, so
 * later duplicates within the window get it at once.
 */
public record DedupeEntry(
        String originalRequestId,
        String cacheKey,
        long cacheTtlMillis,
        Reservation reservation,
        LlmResult outcome,
        List<LlmRequest> waiting) {

    public DedupeEntry {
        waiting = waiting == null ? List.of() : List.copyOf(waiting);
    }

    public static DedupeEntry pending(String originalRequestId, String cacheKey, long cacheTtlMillis,
            Reservation reservation) {
        return new DedupeEntry(originalRequestId, cacheKey, cacheTtlMillis, reservation, null, List.of());
    }

    public static DedupeEntry done(String originalRequestId, LlmResult outcome) {
        return new DedupeEntry(originalRequestId, null, 0, null, outcome, List.of());
    }

    public boolean finished() {
        return outcome != null;
    }

    public DedupeEntry withWaiting(LlmRequest duplicate) {
        List<LlmRequest> more = new ArrayList<>(waiting);
        more.add(duplicate);
        return new DedupeEntry(originalRequestId, cacheKey, cacheTtlMillis, reservation, outcome, more);
    }

    /** The original finished: keep only its outcome. */
    public DedupeEntry finishedWith(LlmResult result) {
        return new DedupeEntry(originalRequestId, null, 0, null, result, List.of());
    }
}
