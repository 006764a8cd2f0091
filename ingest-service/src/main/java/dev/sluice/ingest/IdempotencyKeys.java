package dev.sluice.ingest;

import dev.sluice.model.LlmRequest;
import dev.sluice.runtime.requests.RequestFingerprint;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The idempotency keys this instance took jobs with, each with its job's fingerprint
 * ({@link RequestFingerprint}), so that a key sent again with another job is refused here with
 * 409 (Stripe's rule) instead of being stored and answered by the router as a duplicate of a job it
 * is not. A key is kept for {@code ingest.idempotency.window} (the router's dedupe window), and at
 * most {@code ingest.idempotency.max.keys} of them, the oldest dropped first. The clock is
 * injected so that tests do not wait a day.
 *
 * <p>In memory and per instance: another instance, or this one after a restart, has not seen the
 * key and lets the job through; the router then rejects it ({@code IDEMPOTENCY_KEY_REUSED}). A key
 * is claimed before the job is stored, so that two requests racing with one key and different
 * jobs cannot both get 202, and given back when the job is surely not stored (429, 503
 * {@code unavailable}); after 503 {@code outcome-unknown} it is kept, as the job may be stored.
 */
final class IdempotencyKeys {
    /** The first job a key was taken with. */
    record Use(String fingerprint, String requestId, Instant at) {}

    /** The job at {@code index} of a request has {@code key}, which {@code original} was taken with. */
    record Conflict(int index, String key, Use original) {}

    private record TenantKey(String tenantId, String key) {}

    private final Duration window;
    private final int maxKeys;
    private final Supplier<Instant> clock;
    /** Oldest first, so that expired and evicted keys are all at the head. */
    private final LinkedHashMap<TenantKey, Use> uses = new LinkedHashMap<>();

    IdempotencyKeys(Duration window, int maxKeys, Supplier<Instant> clock) {
        this.window = window;
        this.maxKeys = maxKeys;
        this.clock = clock;
    }

    /**
     * Claims the key of every job that has one, for that job: all of them, or none when any key was
     * taken with another job; then those jobs are returned, and nothing is claimed. A key already
     * taken with the same job stays with the first one (a retry).
     */
    List<Conflict> claim(List<LlmRequest> requests) {
        List<String> fingerprints = requests.stream()
                .map(r -> r.idempotencyKey() == null ? null : RequestFingerprint.of(r))
                .toList();
        Instant now = clock.get();
        synchronized (uses) {
            dropExpired(now);
            List<Conflict> conflicts = new ArrayList<>();
            for (int i = 0; i < requests.size(); i++) {
                LlmRequest r = requests.get(i);
                Use use = r.idempotencyKey() == null ? null : current(keyOf(r), now);
                if (use != null && !use.fingerprint().equals(fingerprints.get(i))) {
                    conflicts.add(new Conflict(i, r.idempotencyKey(), use));
                }
            }
            if (!conflicts.isEmpty()) {
                return conflicts;
            }
            for (int i = 0; i < requests.size(); i++) {
                LlmRequest r = requests.get(i);
                if (r.idempotencyKey() != null && current(keyOf(r), now) == null) {
                    uses.put(keyOf(r), new Use(fingerprints.get(i), r.requestId(), now));
                }
            }
            Iterator<TenantKey> oldest = uses.keySet().iterator();
            while (uses.size() > maxKeys) {
                oldest.next();
                oldest.remove();
            }
            return List.of();
        }
    }

    /** Gives back the keys these jobs claimed: they were not stored. A key held by an earlier job stays. */
    void release(List<LlmRequest> requests) {
        synchronized (uses) {
            for (LlmRequest r : requests) {
                if (r.idempotencyKey() != null) {
                    Use use = uses.get(keyOf(r));
                    if (use != null && use.requestId().equals(r.requestId())) {
                        uses.remove(keyOf(r));
                    }
                }
            }
        }
    }

    int size() {
        synchronized (uses) {
            return uses.size();
        }
    }

    /** The key's use if it is within the window; an expired one (the clock stepped back) is dropped. */
    private Use current(TenantKey key, Instant now) {
        Use use = uses.get(key);
        if (use != null && !use.at().plus(window).isAfter(now)) {
            uses.remove(key);
            return null;
        }
        return use;
    }

    private void dropExpired(Instant now) {
        Iterator<Map.Entry<TenantKey, Use>> oldest = uses.entrySet().iterator();
        while (oldest.hasNext() && !oldest.next().getValue().at().plus(window).isAfter(now)) {
            oldest.remove();
        }
    }

    private static TenantKey keyOf(LlmRequest r) {
        return new TenantKey(r.tenantId(), r.idempotencyKey());
    }
}
