package dev.sluice.router;

import dev.sluice.model.CacheHit;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmResult;
import dev.sluice.model.TenantConfig;
import dev.sluice.router.semantic.SemanticIndex;
import dev.sluice.router.semantic.SemanticQuery;
import dev.sluice.router.state.BudgetTotals;
import dev.sluice.router.state.Budgets;
import dev.sluice.runtime.ops.Metrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The router's own metrics (docs/metrics.md lists them): accepted→routed latency, jobs routed and
 * requests answered per tenant, cache hits by kind, and each tenant's budget used in the current
 * UTC day and month. Shared by every task of the instance, so it is thread-safe.
 */
public final class RouterMetrics {
    /** How often each task publishes its tenants' budget totals; the gauges are that old at most. */
    static final Duration BUDGET_EVERY = Duration.ofSeconds(10);

    private final MeterRegistry registry;
    /** Each budgeted tenant's latest totals, from the task that holds its state. */
    private final Map<String, Budget> budgets = new ConcurrentHashMap<>();

    private final Map<String, Set<String>> tenantsByTask = new HashMap<>();
    /** The gauges of each (tenant, period) with a budget. */
    private final Map<String, List<Meter>> gauges = new HashMap<>();

    /** A tenant's budgets (null: none for that period) and its totals in the current day and month. */
    private record Budget(Long daily, Long monthly, Budgets.Current totals) {
        double ratio(String period, ToDoubleFunction<BudgetTotals> amount) {
            Long budget = period.equals("day") ? daily : monthly;
            BudgetTotals t = period.equals("day") ? totals.day() : totals.month();
            return budget == null || budget <= 0 ? Double.NaN : amount.applyAsDouble(t) / budget;
        }
    }

    public RouterMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Metrics kept nowhere: for topologies built without a service (tests, benchmarks). */
    public static RouterMetrics none() {
        return new RouterMetrics(new SimpleMeterRegistry());
    }

    /**
     * A decision of {@code decide}. A cache hit made while a result came in is a single-flight
     * follower served by its leader's result; one made while a request came in is an exact hit.
     */
    void decided(Decision decision, boolean onResult, long now) {
        switch (decision) {
            case Decision.Route r -> routed(r.job(), now);
            case Decision.Complete c -> {
                answered(c.result());
                LlmResult result = c.result();
                if (result.cacheHit() != CacheHit.NONE && result.duplicateOf() == null) {
                    String kind =
                            result.cacheHit() == CacheHit.SEMANTIC ? "semantic" : onResult ? "single_flight" : "exact";
                    Counter.builder("sluice_router_cache_hits_total")
                            .tags("tenant", result.tenantId(), "kind", kind)
                            .description("Requests answered from the tenant's exact cache (exact), by the result of"
                                    + " an identical request in flight (single_flight), or by the answer of an earlier"
                                    + " request that meant the same (semantic)")
                            .register(registry)
                            .increment();
                }
            }
        }
    }

    /**
     * One semantic-cache lookup: how long the stream thread spent on the request's embedding (in
     * enrich: making it, or waiting for the embed-ahead thread that made it) and on the lookup itself
     * (in decide), and its outcome: a hit, a candidate refused by the guards, or nothing similar enough.
     */
    void semanticLookup(String tenantId, SemanticQuery query, long lookupNanos, SemanticIndex.Lookup found) {
        Metrics.latency(
                        "sluice_router_semantic_embed",
                        "Time the stream thread of the tenant's partition spent on"
                                + " a request's embedding for the semantic cache: making it (where=stream_thread), or waiting for"
                                + " the embed-ahead thread that made it (where=ahead)")
                .tag("where", query.ahead() ? "ahead" : "stream_thread")
                .register(registry)
                .record(Duration.ofNanos(query.embedNanos()));
        Metrics.latency(
                        "sluice_router_semantic_lookup",
                        "Time to find a semantic-cache candidate and judge it, in" + " decide")
                .register(registry)
                .record(Duration.ofNanos(lookupNanos));
        String outcome = found.hit() ? "hit" : found.requestId() != null ? "refused" : "miss";
        Counter.builder("sluice_router_semantic_lookups_total")
                .tags("tenant", tenantId, "outcome", outcome)
                .description("Semantic-cache lookups: hit, refused (a candidate above the threshold that the guards"
                        + " told apart) or miss (nothing similar enough)")
                .register(registry)
                .increment();
    }

    private void routed(LlmJob job, long now) {
        String route = job.batchEligible()
                ? "batch"
                : job.tier().name().toLowerCase(Locale.ROOT) + "."
                        + job.request().priority().topicSegment();
        Counter.builder("sluice_router_jobs_routed_total")
                .tags("tenant", job.tenantId(), "route", route)
                .description("Requests routed as jobs, by route: tier.priority of the job topic, or batch")
                .register(registry)
                .increment();
        Instant created = job.request().createdAt();
        if (created != null) {
            long millis = (job.routedAt() == null ? now : job.routedAt().toEpochMilli()) - created.toEpochMilli();
            Metrics.latency(
                            "sluice_router_accepted_to_routed",
                            "Time from a request's createdAt to the router" + " routing it as a job")
                    .register(registry)
                    .record(Duration.ofMillis(Math.max(0, millis)));
        }
    }

    /**
     * A request the router answered itself: refused (the error's code), expired, a duplicate of an
     * earlier request (DUPLICATE) or a cache hit (CACHE_HIT).
     */
    void answered(LlmResult r) {
        String reason = r.duplicateOf() != null
                ? "DUPLICATE"
                : r.error() != null ? r.error().code() : r.cacheHit() != CacheHit.NONE ? "CACHE_HIT" : "NONE";
        Counter.builder("sluice_router_requests_answered_total")
                .tags("tenant", r.tenantId(), "status", r.status().name(), "reason", reason)
                .description("Requests the router answered without a job, by status and reason code")
                .register(registry)
                .increment();
    }

    /**
     * What one task holds of its tenants' budgets now: each budget a tenant has (daily, monthly) gets
     * its gauges, and a tenant no longer in the task's store (its totals expired) loses them.
     */
    synchronized void budgets(
            String task, Map<String, Budgets.Current> current, Function<String, Optional<TenantConfig>> tenants) {
        Set<String> mine = new HashSet<>();
        current.forEach((tenantId, totals) -> tenants.apply(tenantId)
                .filter(Budgets::limited)
                .ifPresent(t -> {
                    mine.add(tenantId);
                    Budget budget = new Budget(
                            t.limits().dailyBudgetMicros(), t.limits().monthlyBudgetMicros(), totals);
                    budgets.put(tenantId, budget);
                    gauges(tenantId, "day", budget.daily() != null);
                    gauges(tenantId, "month", budget.monthly() != null);
                }));
        Set<String> before = tenantsByTask.getOrDefault(task, Set.of());
        tenantsByTask.put(task, mine);
        before.stream().filter(t -> !mine.contains(t)).forEach(this::forgetIfUnowned);
    }

    /** A task closed or moved away: its tenants' gauges go, unless another task of this instance has them now. */
    synchronized void forgetTask(String task) {
        Set<String> tenants = tenantsByTask.remove(task);
        if (tenants != null) {
            tenants.forEach(this::forgetIfUnowned);
        }
    }

    private void forgetIfUnowned(String tenantId) {
        if (tenantsByTask.values().stream().noneMatch(s -> s.contains(tenantId))) {
            budgets.remove(tenantId);
            gauges(tenantId, "day", false);
            gauges(tenantId, "month", false);
        }
    }

    private void gauges(String tenantId, String period, boolean wanted) {
        String key = tenantId + '\u0000' + period;
        if (!wanted) {
            List<Meter> gone = gauges.remove(key);
            if (gone != null) {
                gone.forEach(registry::remove);
            }
            return;
        }
        gauges.computeIfAbsent(
                key,
                k -> List.of(
                        Gauge.builder(
                                        "sluice_router_budget_spent_ratio",
                                        budgets,
                                        b -> ratio(b, tenantId, period, BudgetTotals::spentMicros))
                                .tags("tenant", tenantId, "period", period)
                                .description("What the tenant spent in the current UTC day or month, as a share of its"
                                        + " budget for it")
                                .register(registry),
                        Gauge.builder(
                                        "sluice_router_budget_committed_ratio",
                                        budgets,
                                        b -> ratio(b, tenantId, period, BudgetTotals::committed))
                                .tags("tenant", tenantId, "period", period)
                                .description(
                                        "Spent plus held for running jobs in the current UTC day or month, as a share"
                                                + " of the tenant's budget for it: what admission checks against")
                                .register(registry)));
    }

    private static double ratio(
            Map<String, Budget> budgets, String tenantId, String period, ToDoubleFunction<BudgetTotals> amount) {
        Budget b = budgets.get(tenantId);
        return b == null ? Double.NaN : b.ratio(period, amount);
    }
}
