package dev.sluice.worker;

import dev.sluice.model.Attempt;
import dev.sluice.model.CostEvent;
import dev.sluice.model.LlmJob;
import dev.sluice.model.Usage;
import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.runtime.ops.Metrics;
import dev.sluice.worker.batch.BatchPath;
import dev.sluice.worker.provider.RateLimitHeaders;
import dev.sluice.worker.resilience.ProviderCalls;
import dev.sluice.worker.resilience.RateLimits;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The worker's own metrics (docs/metrics.md lists them): jobs by status, provider calls by outcome
 * and their latency, queue wait, tokens and cost per tenant, model and basis (sync and batch),
 * circuit breakers, rate-limit waits, what the providers say is left of each quota, dead letters.
 */
final class WorkerMetrics implements RateLimits.Observer, BatchPath.Collected {
    /** How long a quota the provider reported holds when it gave no reset time: limits are per minute. */
    private static final Duration QUOTA_WITHOUT_RESET = Duration.ofMinutes(1);

    private final MeterRegistry registry;
    private final Clock clock;
    private final Map<String, Quota> quotas = new ConcurrentHashMap<>();

    /** What the provider last said of one limit of one model; it stands until its reset. */
    private record Quota(long limit, long remaining, long validUntilMillis) {
        double usedRatio(long now) {
            return now >= validUntilMillis || limit <= 0 ? 0 : Math.clamp((double) (limit - remaining) / limit, 0, 1);
        }
    }

    WorkerMetrics(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
    }

    void trackInFlight(AtomicInteger inFlight) {
        Gauge.builder("sluice_worker_in_flight", inFlight, AtomicInteger::get)
                .description("Jobs running on this instance now")
                .register(registry);
    }

    /** Open provider batches known to this instance, and batch jobs gathering for one. */
    void trackBatches(Supplier<Number> open, AtomicInteger gathering) {
        Gauge.builder("sluice_worker_batches_open", open)
                .description("Provider batches on record and not yet collected")
                .register(registry);
        Gauge.builder("sluice_worker_batch_jobs_gathering", gathering, AtomicInteger::get)
                .description("Batch jobs held by this instance, gathering for a provider batch")
                .register(registry);
    }

    /**
     * Each model's breaker as a state set: one series per state, 1 for the state it is in. Breakers
     * are made on a model's first call, so each is tracked as it appears.
     */
    void trackBreakers(CircuitBreakerRegistry breakers) {
        breakers.getAllCircuitBreakers().forEach(this::trackBreaker);
        breakers.getEventPublisher().onEntryAdded(e -> trackBreaker(e.getAddedEntry()));
    }

    private void trackBreaker(CircuitBreaker breaker) {
        String[] providerAndModel = breaker.getName().split("/", 2);
        for (CircuitBreaker.State state :
                List.of(CircuitBreaker.State.CLOSED, CircuitBreaker.State.OPEN, CircuitBreaker.State.HALF_OPEN)) {
            Gauge.builder("sluice_worker_circuit_breaker_state", breaker, b -> b.getState() == state ? 1 : 0)
                    .tags(
                            "provider",
                            providerAndModel[0],
                            "model",
                            providerAndModel.length > 1 ? providerAndModel[1] : "",
                            "state",
                            state.name().toLowerCase(Locale.ROOT))
                    .description("1 for the state each model's circuit breaker is in (closed, open, half_open), 0 for"
                            + " the others")
                    .register(registry);
        }
    }

    /**
     * A job taken up by a handler: how long it waited since the router routed it, in the job topic
     * and then in the fair queue for a slot.
     */
    void pickedUp(LlmJob job, boolean batchPath) {
        if (job.routedAt() == null) {
            return;
        }
        Metrics.latency("sluice_worker_queue_wait", "Time from the router routing a job to a worker taking it up")
                .tags(
                        "path",
                        batchPath ? "batch" : "sync",
                        "priority",
                        lower(job.request().priority()))
                .register(registry)
                .record(nonNegative(Duration.between(job.routedAt(), clock.instant())));
    }

    void completed(Outcome outcome) {
        jobs(outcome.result().status().name());
        for (Attempt a : outcome.result().attempts()) {
            Counter.builder("sluice_worker_provider_calls_total")
                    .tags("provider", a.provider(), "model", a.model(), "outcome", a.outcome())
                    .description("Provider call attempts, by outcome: ok, or what went wrong (circuit_open and"
                            + " rate_limit_wait were not sent)")
                    .register(registry)
                    .increment();
            if (!a.outcome().equals(ProviderCalls.CIRCUIT_OPEN) && !a.outcome().equals(ProviderCalls.RATE_LIMIT_WAIT)) {
                Metrics.latency("sluice_worker_provider_call", "Time one provider call took, answered or not")
                        .tags("provider", a.provider(), "model", a.model(), "outcome", a.succeeded() ? "ok" : "error")
                        .register(registry)
                        .record(Duration.ofMillis(Math.max(0, a.latencyMs())));
            }
        }
        billed(outcome.costs());
    }

    /**
     * Tokens and money of billed provider calls, sync and batch alike, per tenant, model and what
     * the call was billed as: the same numbers as the cost events on llm.cost-events.
     */
    @Override
    public void billed(Collection<CostEvent> costs) {
        for (CostEvent c : costs) {
            String basis = c.basis().name().toLowerCase(Locale.ROOT);
            Counter.builder("sluice_worker_cost_micros_total")
                    .tags("tenant", c.tenantId(), "provider", c.provider(), "model", c.model(), "basis", basis)
                    .description("Provider spend in micro-dollars, at catalogue prices")
                    .register(registry)
                    .increment(c.costMicros());
            Usage u = c.usage();
            tokens(c, basis, "input", u.inputTokens());
            tokens(c, basis, "cached_input", u.cachedInputTokens());
            tokens(c, basis, "cache_write", u.cacheWriteTokens());
            tokens(c, basis, "output", u.outputTokens());
        }
    }

    private void tokens(CostEvent c, String basis, String kind, long n) {
        Counter.builder("sluice_worker_tokens_total")
                .tags(
                        "tenant",
                        c.tenantId(),
                        "provider",
                        c.provider(),
                        "model",
                        c.model(),
                        "basis",
                        basis,
                        "kind",
                        kind)
                .description("Tokens of billed provider calls: input at the full rate, cached_input read from the"
                        + " provider's prompt cache, cache_write written to it, output")
                .register(registry)
                .increment(n);
    }

    void skippedCompleted() {
        jobs("ALREADY_COMPLETED");
    }

    void batched() {
        jobs("BATCHED");
    }

    private void jobs(String status) {
        Counter.builder("sluice_worker_jobs_total")
                .tag("status", status)
                .description("Jobs this worker finished, by status; ALREADY_COMPLETED were redelivered and skipped,"
                        + " BATCHED handed to a provider batch")
                .register(registry)
                .increment();
    }

    /** A job whose answer was too large for llm.completions: it ended FAILED OUTPUT_TOO_LARGE. */
    @Override
    public void outputTooLarge() {
        Counter.builder("sluice_worker_outputs_too_large_total")
                .description("Jobs whose answer was too large for llm.completions; they ended FAILED OUTPUT_TOO_LARGE")
                .register(registry)
                .increment();
    }

    void deadLettered(String stage) {
        Metrics.deadLetters(registry, stage).increment();
    }

    // ---- rate limits ----

    @Override
    public void waited(ModelSpec model, Duration waited) {
        // Registered on a model's first call, so the series is there before any wait.
        Timer timer = Metrics.latency(
                        "sluice_worker_rate_limit_wait",
                        "Time calls waited for their model's rate limit before they were made (calls that did not wait"
                                + " are not counted)")
                .tags("provider", model.provider(), "model", model.name())
                .register(registry);
        Counter.builder("sluice_worker_rate_limit_gave_up_total")
                .tags("provider", model.provider(), "model", model.name())
                .description("Calls not made because the rate limit would have held them past the job's deadline or"
                        + " worker.rate.limit.max.wait; the job moved on down its model chain")
                .register(registry);
        if (waited.isPositive()) {
            timer.record(waited);
        }
    }

    @Override
    public void gaveUp(ModelSpec model) {
        Counter.builder("sluice_worker_rate_limit_gave_up_total")
                .tags("provider", model.provider(), "model", model.name())
                .register(registry)
                .increment();
    }

    @Override
    public void headers(ModelSpec model, RateLimitHeaders h) {
        long now = clock.millis();
        quota(model, "requests", h.requestLimit(), h.requestsRemaining(), h.requestsReset(), now);
        quota(model, "tokens", h.tokenLimit(), h.tokensRemaining(), h.tokensReset(), now);
    }

    private void quota(ModelSpec model, String limit, Long max, Long remaining, Duration reset, long now) {
        if (max == null || remaining == null || max <= 0) {
            return;
        }
        String key = model.provider() + '\u0000' + model.name() + '\u0000' + limit;
        Duration validFor = reset != null ? reset : QUOTA_WITHOUT_RESET;
        if (quotas.put(key, new Quota(max, remaining, now + validFor.toMillis())) == null) {
            Gauge.builder(
                            "sluice_worker_provider_quota_used_ratio",
                            quotas,
                            q -> q.get(key).usedRatio(clock.millis()))
                    .tags("provider", model.provider(), "model", model.name(), "limit", limit)
                    .description("Share of the API key's per-minute limit used, as the provider's rate-limit headers"
                            + " last said (1 - remaining/limit); 0 once the limit has reset since")
                    .register(registry);
        }
    }

    private static String lower(Enum<?> e) {
        return e == null ? "none" : e.name().toLowerCase(Locale.ROOT);
    }

    private static Duration nonNegative(Duration d) {
        // Clocks of router and worker hosts differ a little; a negative wait is a zero one.
        return d.isNegative() ? Duration.ZERO : d;
    }
}
