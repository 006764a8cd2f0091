package dev.sluice.router;

import dev.sluice.model.CostEvent;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.TenantConfig;
import dev.sluice.router.semantic.SemanticCache;
import dev.sluice.router.semantic.SemanticIndex;
import dev.sluice.router.state.Budgets;
import dev.sluice.router.state.DedupeEntry;
import dev.sluice.router.state.InFlight;
import dev.sluice.router.state.Reservation;
import dev.sluice.router.state.RouterState;
import dev.sluice.runtime.requests.RequestFingerprint;
import dev.sluice.runtime.streams.ExpiringStore;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.streams.processor.api.ProcessingContext;

/**
 * Every per-tenant decision, in this order (docs/architecture.md): dedupe, exact cache, semantic
 * cache and single-flight, budget, route. It runs inside one Streams task per tenant partition and
 * sees that tenant's requests, results and cost events one at a time, so no two decisions race: a duplicate always finds its
 * original, and a budget is never spent twice.
 */
final class RouterCore {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RouterCore.class);
    private final RouterState state;
    private final Budgets budgets;
    private final JobPlanner planner;
    private final Function<String, Optional<TenantConfig>> tenants;
    private final long dedupeWindowMs;
    private final long singleFlightWaitMs;
    private final Consumer<Decision> emit;
    private final RouterMetrics metrics;
    /** While a request that waited is decided: its own traceparent, which its decisions carry. */
    private String waitingTrace;

    /**
     * Opens the router's stores in a processor's init. The core owns them, and what expires in
     * them (a dedupe entry whose original never finished, a single-flight wait that is over)
     * comes back to this core's own {@link #onDedupeExpired} and {@link #onInFlightExpired}: those
     * are only called later, from a purge or a read, never while this constructor runs.
     */
    RouterCore(
            ProcessingContext context,
            SemanticCache semantic,
            JobPlanner planner,
            Function<String, Optional<TenantConfig>> tenants,
            long dedupeWindowMs,
            long singleFlightWaitMs,
            Consumer<Decision> emit,
            RouterMetrics metrics) {
        this.metrics = metrics;
        this.state = RouterState.open(
                context,
                (key, entry) -> onDedupeExpired(key, entry, context.currentSystemTimeMs()),
                (key, flight) -> onInFlightExpired(key, flight, context.currentSystemTimeMs()),
                semantic);
        this.budgets = new Budgets(state.budget);
        this.planner = planner;
        this.tenants = tenants;
        this.dedupeWindowMs = dedupeWindowMs;
        this.singleFlightWaitMs = singleFlightWaitMs;
        this.emit = d -> emit.accept(waitingTrace != null && d.traceparent() == null ? d.inTrace(waitingTrace) : d);
    }

    /** The tenants' budgets, for the gauges a punctuation reports. */
    Budgets budgets() {
        return budgets;
    }

    /** Decides for a request that waited (a single-flight follower): in its own trace, not the input's. */
    private void asWaiting(String traceparent, Runnable decide) {
        String outer = waitingTrace;
        waitingTrace = traceparent;
        try {
            decide.run();
        } finally {
            waitingTrace = outer;
        }
    }

    static String dedupeKey(String tenantId, String idempotencyKey) {
        return tenantId + '\u0000' + idempotencyKey;
    }

    private static String dedupeKey(LlmRequest r) {
        return dedupeKey(r.tenantId(), r.effectiveIdempotencyKey());
    }

    // ---- a new request ----

    /** {@code traceparent}: the request's own, kept for when it waits and is decided later. */
    void onRequest(Planned p, String traceparent, long now) {
        LlmJob job = p.job();
        String key = dedupeKey(p.received());
        ExpiringStore.Entry<DedupeEntry> seen = state.dedupe.entry(key, now);
        if (seen != null) {
            duplicate(key, seen, p.received(), traceparent, now);
            return;
        }
        // What the caller sent, not what its experiments made of it: a tenant's experiments may change between tries.
        String fingerprint = RequestFingerprint.of(p.received());
        if (expired(job, key, fingerprint, now)) {
            return;
        }
        if (p.cacheable()) {
            LlmResult cached = state.cache.get(job.cacheKey(), now);
            if (cached != null) {
                finish(key, job, fingerprint, Outcomes.cacheHit(job, cached, Instant.ofEpochMilli(now)), now);
                return;
            }
            if (p.semantic() != null && semanticHit(key, p, traceparent, now)) {
                return;
            }
        }
        boolean leading = false;
        if (p.cacheable()) {
            ExpiringStore.Entry<InFlight> leader = state.inFlight.entry(job.cacheKey(), now);
            if (leader != null && leader.value().takes(job)) {
                state.inFlight.update(job.cacheKey(), leader, leader.value().with(job, traceparent));
                state.dedupe.put(
                        key, DedupeEntry.pending(job.requestId(), fingerprint, null, 0, null), now + dedupeWindowMs);
                return;
            }
            // A leader with as many followers as it keeps: this one becomes a job of its own.
            if (leader == null) {
                state.inFlight.put(
                        job.cacheKey(), new InFlight(job.requestId(), java.util.List.of()), now + singleFlightWaitMs);
                leading = true;
            }
        }
        if (!route(p.tenant(), job, fingerprint, key, p.cacheable() ? p.cacheTtlMillis() : 0, null, now)) {
            if (leading) {
                state.inFlight.delete(job.cacheKey());
            }
        } else if (p.semantic() != null && state.dedupe.get(key, now).cacheKey() != null) {
            // Findable by meaning from now on; it answers once its result fills the exact cache.
            state.semantic.add(job.cacheKey(), p.semantic(), job.requestId(), now, now + p.cacheTtlMillis());
        }
    }

    /**
     * The semantic cache: an earlier request of the same scope that means the same answers this
     * one, with its answer from the exact cache or, while it is still running, as a follower of
     * its single flight (answered when it is, a job of its own if it fails).
     */
    private boolean semanticHit(String key, Planned p, String traceparent, long now) {
        LlmJob job = p.job();
        long start = System.nanoTime();
        SemanticIndex.Lookup found = state.semantic.find(p.semantic(), now, k -> state.cache.get(k, now) != null);
        metrics.semanticLookup(job.tenantId(), p.semantic(), System.nanoTime() - start, found);
        if (!found.hit()) {
            if (found.refusal() != null && found.requestId() != null) {
                log.debug(
                        "Semantic cache: request {} is not answered by {} (similarity {}): {}",
                        job.requestId(),
                        found.requestId(),
                        found.similarity(),
                        found.refusal());
            }
            return false;
        }
        if (!found.answered()) {
            ExpiringStore.Entry<InFlight> leader = state.inFlight.entry(found.cacheKey(), now);
            if (leader == null || !leader.value().takes(job)) {
                return false;
            }
            state.inFlight.update(found.cacheKey(), leader, leader.value().with(job, traceparent));
            state.dedupe.put(
                    key,
                    DedupeEntry.pending(job.requestId(), RequestFingerprint.of(p.received()), null, 0, null),
                    now + dedupeWindowMs);
            log.info(
                    "Request {} of tenant {} waits for request {}, which means the same (similarity {})",
                    job.requestId(),
                    job.tenantId(),
                    found.requestId(),
                    String.format(java.util.Locale.ROOT, "%.3f", found.similarity()));
            return true;
        }
        LlmResult cached = state.cache.get(found.cacheKey(), now);
        log.info(
                "Request {} of tenant {} answered by the semantic cache with request {}'s answer (similarity {})",
                job.requestId(),
                job.tenantId(),
                found.requestId(),
                String.format(java.util.Locale.ROOT, "%.3f", found.similarity()));
        finish(
                key,
                job,
                RequestFingerprint.of(p.received()),
                Outcomes.semanticHit(job, cached, Instant.ofEpochMilli(now)),
                now);
        return true;
    }

    /**
     * A request whose (tenant, idempotency key) was seen: the original's outcome, now or when it
     * exists; or, when it asks for something else than the original did, IDEMPOTENCY_KEY_REUSED.
     */
    private void duplicate(
            String key, ExpiringStore.Entry<DedupeEntry> seen, LlmRequest r, String traceparent, long now) {
        DedupeEntry original = seen.value();
        Instant at = Instant.ofEpochMilli(now);
        if (r.requestId().equals(original.originalRequestId())) {
            // The original itself, produced again (a producer's retry, perhaps with other metadata):
            // its one result is the original's. Answering it would write a second result under the
            // original's requestId, and the sink keeps whichever comes first.
            log.info(
                    "Request {} of tenant {} arrived again; its result is the first arrival's",
                    r.requestId(),
                    r.tenantId());
            return;
        }
        if (!original.sameRequest(RequestFingerprint.of(r))) {
            emit.accept(new Decision.Complete(Outcomes.refused(
                    r,
                    ResultStatus.REJECTED,
                    Reasons.IDEMPOTENCY_KEY_REUSED,
                    "idempotency key '" + r.effectiveIdempotencyKey() + "' was used by request "
                            + original.originalRequestId() + " with a different body; use a new key for a new"
                            + " request, or send exactly the same body to get the original's outcome",
                    at)));
        } else if (original.finished()) {
            emit.accept(new Decision.Complete(Outcomes.duplicate(r, original.outcome(), at)));
        } else if (original.full()) {
            emit.accept(new Decision.Complete(Outcomes.refused(
                    r,
                    ResultStatus.REJECTED,
                    Reasons.DUPLICATE_IN_PROGRESS,
                    "request " + original.originalRequestId() + " with the same idempotency key is still running and "
                            + DedupeEntry.MAX_WAITING + " duplicates already wait for it; send again once it has"
                            + " finished",
                    at)));
        } else {
            state.dedupe.update(key, seen, original.withWaiting(r, traceparent));
        }
    }

    private boolean expired(LlmJob job, String key, String fingerprint, long now) {
        Instant deadline = job.request().deadline();
        if (deadline == null || deadline.toEpochMilli() > now) {
            return false;
        }
        finish(
                key,
                job,
                fingerprint,
                Outcomes.refused(
                        job,
                        ResultStatus.EXPIRED,
                        Reasons.DEADLINE_PASSED,
                        "deadline " + deadline + " passed before the job could be routed",
                        Instant.ofEpochMilli(now)),
                now);
        return true;
    }

    /**
     * Reserves the job's budget (downgrading it when the tenant's policy says so) and routes it;
     * false when no tier fits and the request was rejected. {@code waitedAs}: the pending entry of
     * a follower now routed as a job (null for a new request), whose waiting duplicates it keeps.
     */
    private boolean route(
            TenantConfig tenant,
            LlmJob job,
            String fingerprint,
            String key,
            long cacheTtlMs,
            DedupeEntry waitedAs,
            long now) {
        LlmJob chosen = job;
        Reservation reservation = null;
        if (Budgets.limited(tenant)) {
            String shortfall = budgets.shortfall(tenant, chosen.estimatedCostMicros(), now);
            while (shortfall != null && tenant.budgetPolicy() == dev.sluice.model.BudgetPolicy.DOWNGRADE) {
                Optional<LlmJob> cheaper = planner.cheaper(chosen, tenant);
                if (cheaper.isEmpty()) {
                    break;
                }
                chosen = cheaper.get();
                shortfall = budgets.shortfall(tenant, chosen.estimatedCostMicros(), now);
            }
            if (shortfall != null) {
                finish(
                        key,
                        job,
                        fingerprint,
                        Outcomes.refused(
                                job,
                                ResultStatus.REJECTED,
                                Reasons.BUDGET_EXCEEDED,
                                shortfall,
                                Instant.ofEpochMilli(now)),
                        now);
                return false;
            }
            reservation = budgets.reserve(tenant, chosen.estimatedCostMicros(), now);
        }
        // A downgraded job answers from another chain: its result must not fill the original's cache key.
        String fillKey = chosen == job ? job.cacheKey() : null;
        DedupeEntry pending = DedupeEntry.pending(
                job.requestId(), fingerprint, fillKey, fillKey == null ? 0 : cacheTtlMs, reservation);
        if (waitedAs != null) {
            pending = pending.keepingWaitingOf(waitedAs);
        }
        state.dedupe.put(key, pending, now + dedupeWindowMs);
        emit.accept(new Decision.Route(chosen));
        return true;
    }

    /** Completes a request without a job; duplicates that were already waiting for it get the same outcome. */
    private void finish(String key, LlmJob job, LlmResult result, long now) {
        finish(key, job, null, result, now);
    }

    /**
     * As {@link #finish(String, LlmJob, LlmResult, long)}; {@code fingerprint}: of the request as it
     * came, or null to keep the one its pending entry holds (a job's own request may carry its
     * experiments' changes, so it is fingerprinted only when there is neither).
     */
    private void finish(String key, LlmJob job, String fingerprint, LlmResult result, long now) {
        ExpiringStore.Entry<DedupeEntry> existing = state.dedupe.entry(key, now);
        String kept = fingerprint != null
                ? fingerprint
                : existing != null && existing.value().fingerprint() != null
                        ? existing.value().fingerprint()
                        : RequestFingerprint.of(job.request());
        state.dedupe.put(key, DedupeEntry.done(job.requestId(), kept, result), now + dedupeWindowMs);
        emit.accept(new Decision.Complete(result));
        if (existing != null) {
            for (LlmRequest waiting : existing.value().waiting()) {
                emit.accept(new Decision.Complete(
                        Outcomes.duplicate(waiting, result, Instant.ofEpochMilli(now)),
                        existing.value().traceOf(waiting.requestId())));
            }
        }
    }

    // ---- a result on llm.results ----

    void onResult(LlmResult r, long now) {
        String key = dedupeKey(r.tenantId(), r.idempotencyKey());
        ExpiringStore.Entry<DedupeEntry> e = state.dedupe.entry(key, now);
        if (e == null || e.value().finished() || !e.value().originalRequestId().equals(r.requestId())) {
            return;
        }
        DedupeEntry d = e.value();
        if (d.reservation() != null) {
            budgets.release(r.tenantId(), d.reservation(), now);
        }
        state.dedupe.update(key, e, d.finishedWith(r));
        Instant at = Instant.ofEpochMilli(now);
        for (LlmRequest waiting : d.waiting()) {
            emit.accept(new Decision.Complete(Outcomes.duplicate(waiting, r, at), d.traceOf(waiting.requestId())));
        }
        if (d.cacheKey() == null) {
            return;
        }
        if (r.status() == ResultStatus.SUCCEEDED && r.cacheHit() == dev.sluice.model.CacheHit.NONE) {
            state.cache.put(d.cacheKey(), r, now + d.cacheTtlMillis());
        } else {
            state.semantic.remove(d.cacheKey(), now);
        }
        ExpiringStore.Entry<InFlight> flight = state.inFlight.entry(d.cacheKey(), now);
        if (flight != null && flight.value().leaderRequestId().equals(r.requestId())) {
            state.inFlight.delete(d.cacheKey());
            for (LlmJob follower : flight.value().followers()) {
                asWaiting(flight.value().traceOf(follower.requestId()), () -> {
                    if (r.status() == ResultStatus.SUCCEEDED) {
                        // A follower with another cache key waited because it meant the same.
                        finish(
                                dedupeKey(follower.request()),
                                follower,
                                d.cacheKey().equals(follower.cacheKey())
                                        ? Outcomes.cacheHit(follower, r, at)
                                        : Outcomes.semanticHit(follower, r, at),
                                now);
                    } else {
                        release(follower, now);
                    }
                });
            }
        }
    }

    /** A follower whose leader failed or took too long becomes a job of its own. */
    private void release(LlmJob follower, long now) {
        String key = dedupeKey(follower.request());
        Optional<TenantConfig> tenant = tenants.apply(follower.tenantId());
        if (tenant.isEmpty()) {
            finish(
                    key,
                    follower,
                    Outcomes.refused(
                            follower,
                            ResultStatus.REJECTED,
                            Reasons.TENANT_UNKNOWN,
                            "tenant " + follower.tenantId() + " was removed while the request waited",
                            Instant.ofEpochMilli(now)),
                    now);
            return;
        }
        // The fingerprint its pending entry holds is of the request as it came.
        ExpiringStore.Entry<DedupeEntry> waited = state.dedupe.entry(key, now);
        String fingerprint = waited != null && waited.value().fingerprint() != null
                ? waited.value().fingerprint()
                : RequestFingerprint.of(follower.request());
        if (!expired(follower, key, fingerprint, now)) {
            // The duplicates that waited on it as a follower still wait on it as a job.
            route(
                    tenant.get(),
                    follower,
                    fingerprint,
                    key,
                    tenant.get().cache().ttlSeconds() * 1000,
                    waited == null ? null : waited.value(),
                    now);
        }
    }

    // ---- a cost event on llm.cost-events ----

    void onCost(CostEvent c, long now) {
        Optional<TenantConfig> tenant = tenants.apply(c.tenantId());
        if (tenant.isPresent() && Budgets.limited(tenant.get())) {
            budgets.spend(
                    c.tenantId(),
                    c.costMicros(),
                    c.occurredAt() == null ? Instant.ofEpochMilli(now) : c.occurredAt(),
                    now);
        }
    }

    // ---- expiry ----

    /**
     * A dedupe entry whose original never finished within the window: release its budget, and
     * answer the duplicates that waited for it, so every request still ends with a result.
     */
    void onDedupeExpired(String key, DedupeEntry d, long now) {
        if (d.finished()) {
            return;
        }
        if (d.reservation() != null) {
            budgets.release(key.substring(0, key.indexOf('\u0000')), d.reservation(), now);
        }
        for (LlmRequest waiting : d.waiting()) {
            emit.accept(new Decision.Complete(
                    Outcomes.refused(
                            waiting,
                            ResultStatus.FAILED,
                            Reasons.ORIGINAL_UNFINISHED,
                            "request " + d.originalRequestId() + " with the same idempotency key"
                                    + " had no result within the de-duplication window; submit again",
                            Instant.ofEpochMilli(now)),
                    d.traceOf(waiting.requestId())));
        }
    }

    /** The single-flight wait is over: the followers become jobs of their own. */
    void onInFlightExpired(String cacheKey, InFlight flight, long now) {
        for (LlmJob follower : flight.followers()) {
            asWaiting(flight.traceOf(follower.requestId()), () -> release(follower, now));
        }
    }
}
