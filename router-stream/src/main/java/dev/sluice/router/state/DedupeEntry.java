package dev.sluice.router.state;

import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the router remembers per (tenant, idempotency key): the first request's id and what it
 * asked for (its {@code RequestFingerprint}, so the key reused for another request is told apart
 * from a retry) and, until its result arrives, what must follow that result: the budget to
 * release, the cache key to fill, and the duplicates waiting for the outcome. After the result it
 * holds the outcome itself, so later duplicates within the window get it at once.
 *
 * <p>A waiting duplicate is kept without its messages (its result needs only its ids, webhook and
 * metadata), and at most {@link #MAX_WAITING} wait, so an entry stays far below what a changelog
 * record may hold. Entries written before fingerprints existed have none and match any request.
 *
 * <p>{@code traces} keeps each waiting duplicate's own traceparent (by requestId), so that the
 * outcome it gets later, maybe in a punctuation, continues its trace rather than the original's.
 */
public record DedupeEntry(
        String originalRequestId,
        String cacheKey,
        long cacheTtlMillis,
        Reservation reservation,
        LlmResult outcome,
        List<LlmRequest> waiting,
        String fingerprint,
        Map<String, String> traces) {

    public static final int MAX_WAITING = 100;

    public DedupeEntry {
        waiting = waiting == null ? List.of() : List.copyOf(waiting);
        traces = traces == null ? Map.of() : Map.copyOf(traces);
    }

    public static DedupeEntry pending(
            String originalRequestId,
            String fingerprint,
            String cacheKey,
            long cacheTtlMillis,
            Reservation reservation) {
        return new DedupeEntry(
                originalRequestId, cacheKey, cacheTtlMillis, reservation, null, List.of(), fingerprint, Map.of());
    }

    public static DedupeEntry done(String originalRequestId, String fingerprint, LlmResult outcome) {
        return new DedupeEntry(originalRequestId, null, 0, null, outcome, List.of(), fingerprint, Map.of());
    }

    public boolean finished() {
        return outcome != null;
    }

    /** Whether a request with this fingerprint asks for what the original asked for. */
    public boolean sameRequest(String otherFingerprint) {
        return fingerprint == null || fingerprint.equals(otherFingerprint);
    }

    public boolean full() {
        return waiting.size() >= MAX_WAITING;
    }

    public DedupeEntry withWaiting(LlmRequest duplicate, String traceparent) {
        List<LlmRequest> more = new ArrayList<>(waiting);
        more.add(new LlmRequest(
                duplicate.requestId(),
                duplicate.tenantId(),
                duplicate.idempotencyKey(),
                duplicate.userId(),
                duplicate.priority(),
                duplicate.deadline(),
                duplicate.model(),
                duplicate.tier(),
                List.of(),
                duplicate.maxOutputTokens(),
                duplicate.temperature(),
                null,
                duplicate.webhook(),
                duplicate.metadata(),
                duplicate.createdAt()));
        Map<String, String> moreTraces = new HashMap<>(traces);
        if (traceparent != null) {
            moreTraces.put(duplicate.requestId(), traceparent);
        }
        return new DedupeEntry(
                originalRequestId, cacheKey, cacheTtlMillis, reservation, outcome, more, fingerprint, moreTraces);
    }

    /**
     * This entry with the duplicates that waited on an earlier entry of the same request (one that
     * waited itself, as a single-flight follower, and is now routed as a job of its own).
     */
    public DedupeEntry keepingWaitingOf(DedupeEntry earlier) {
        return new DedupeEntry(
                originalRequestId,
                cacheKey,
                cacheTtlMillis,
                reservation,
                outcome,
                earlier.waiting,
                fingerprint,
                earlier.traces);
    }

    /** The traceparent a waiting duplicate arrived with; null when it had none. */
    public String traceOf(String requestId) {
        return traces.get(requestId);
    }

    /** The original finished: keep only its outcome (and what it asked for). */
    public DedupeEntry finishedWith(LlmResult result) {
        return new DedupeEntry(originalRequestId, null, 0, null, result, List.of(), fingerprint, Map.of());
    }
}
