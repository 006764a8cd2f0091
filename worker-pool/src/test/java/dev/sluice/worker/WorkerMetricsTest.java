package dev.sluice.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.model.CostBasis;
import dev.sluice.model.CostEvent;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.Message;
import dev.sluice.model.Priority;
import dev.sluice.model.Tier;
import dev.sluice.model.Usage;
import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.worker.provider.RateLimitHeaders;
import dev.sluice.worker.resilience.MutableClock;
import dev.sluice.worker.resilience.RateLimits;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What the worker counts and measures, as its /metrics shows it (docs/metrics.md). */
class WorkerMetricsTest {
    private static final Instant T0 = Instant.parse("2026-11-22T12:00:00Z");
    private final MutableClock clock = new MutableClock(T0);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final WorkerMetrics metrics = new WorkerMetrics(registry, clock);
    private final RateLimits limits = new RateLimits(clock, clock::advance, Duration.ofMinutes(5)).observedBy(metrics);

    private static ModelSpec model(int rpm) {
        return new ModelSpec(
                "gpt-4.1-mini", "openai", 1, 1, 1, 1, 1, 1, 1, 128_000, 4_096, 1_024, rpm, 1_000_000, false);
    }

    private double quota(String limit) {
        return registry.find("sluice_worker_provider_quota_used_ratio")
                .tags("model", "gpt-4.1-mini", "limit", limit)
                .gauge()
                .value();
    }

    @Test
    void shouldShowTheShareOfEachQuotaTheProviderSaysIsUsedUntilThatLimitResets() {
        limits.observe(
                model(600),
                new RateLimitHeaders(100L, 25L, Duration.ofSeconds(30), 1_000L, 900L, Duration.ofSeconds(10)));

        assertThat(quota("requests")).isEqualTo(0.75);
        assertThat(quota("tokens")).isEqualTo(0.1);

        clock.advance(Duration.ofSeconds(15));
        assertThat(quota("tokens")).as("the tokens limit has reset since").isZero();
        assertThat(quota("requests")).isEqualTo(0.75);

        clock.advance(Duration.ofSeconds(20));
        assertThat(quota("requests")).isZero();
    }

    @Test
    void shouldReadA429sHeadersAsWellAndIgnoreALimitTheProviderDidNotState() {
        limits.rateLimited(
                model(600),
                Duration.ofSeconds(2),
                new RateLimitHeaders(null, null, null, 1_000L, 0L, Duration.ofSeconds(40)));

        assertThat(quota("tokens")).isEqualTo(1.0);
        assertThat(registry.find("sluice_worker_provider_quota_used_ratio")
                        .tags("limit", "requests")
                        .gauge())
                .isNull();
    }

    @Test
    void shouldCountWaitsForTheRateLimitAndCallsThatGaveUpWaiting() throws Exception {
        ModelSpec oneAMinute = model(1);
        limits.acquire(oneAMinute, 10, null);
        var waits = registry.find("sluice_worker_rate_limit_wait")
                .tags("model", "gpt-4.1-mini")
                .timer();
        assertThat(waits.count()).as("a call let through at once is no wait").isZero();

        limits.acquire(oneAMinute, 10, null);
        assertThat(waits.count()).isEqualTo(1);
        assertThat(waits.totalTime(TimeUnit.SECONDS)).isBetween(59.0, 61.0);

        assertThatThrownBy(() -> limits.acquire(oneAMinute, 10, clock.instant().plusSeconds(1)))
                .isInstanceOf(RateLimits.WaitTooLong.class);
        assertThat(registry.find("sluice_worker_rate_limit_gave_up_total")
                        .tags("model", "gpt-4.1-mini")
                        .counter()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void shouldShowEachBreakerAsOneSeriesPerStateWithTheCurrentOneAtOne() {
        CircuitBreakerRegistry breakers = CircuitBreakerRegistry.ofDefaults();
        metrics.trackBreakers(breakers);
        CircuitBreaker breaker = breakers.circuitBreaker("openai/gpt-4.1-mini");

        breaker.transitionToOpenState();

        Map<String, Double> states =
                Map.of("closed", state("closed"), "open", state("open"), "half_open", state("half_open"));
        assertThat(states).containsExactlyInAnyOrderEntriesOf(Map.of("closed", 0.0, "open", 1.0, "half_open", 0.0));
    }

    private double state(String state) {
        return registry.find("sluice_worker_circuit_breaker_state")
                .tags("provider", "openai", "model", "gpt-4.1-mini", "state", state)
                .gauge()
                .value();
    }

    @Test
    void shouldCountTokensAndCostPerTenantModelAndBasisForSyncAndBatchCallsAlike() {
        metrics.billed(List.of(
                cost("acme", CostBasis.SYNC, new Usage(100, 20, 0, 0), 70),
                cost("acme", CostBasis.CACHE_READ, new Usage(10, 20, 90, 0), 40),
                cost("acme", CostBasis.BATCH, new Usage(100, 20, 0, 0), 35),
                cost("globex", CostBasis.SYNC, new Usage(5, 5, 0, 0), 7)));

        assertThat(counter("sluice_worker_cost_micros_total", "tenant", "acme", "basis", "sync"))
                .isEqualTo(70);
        assertThat(counter("sluice_worker_cost_micros_total", "tenant", "acme", "basis", "batch"))
                .isEqualTo(35);
        assertThat(counter(
                        "sluice_worker_tokens_total", "tenant", "acme", "basis", "cache_read", "kind", "cached_input"))
                .isEqualTo(90);
        assertThat(counter("sluice_worker_tokens_total", "tenant", "acme", "basis", "batch", "kind", "output"))
                .isEqualTo(20);
        assertThat(counter("sluice_worker_tokens_total", "tenant", "globex", "basis", "sync", "kind", "input"))
                .isEqualTo(5);
    }

    @Test
    void shouldMeasureAJobsWaitFromItsRoutingToItsPickUp() {
        LlmRequest r = new LlmRequest(
                "r-1",
                "acme",
                null,
                null,
                Priority.HIGH,
                null,
                null,
                null,
                List.of(Message.user("Hi")),
                16,
                null,
                null,
                null,
                Map.of(),
                T0);
        LlmJob job = new LlmJob(
                r, Tier.SMALL, List.of("gpt-4.1-mini"), 3, 10, null, null, "test", 0, false, false, T0.minusSeconds(2));

        metrics.pickedUp(job, false);

        var wait = registry.find("sluice_worker_queue_wait")
                .tags("path", "sync", "priority", "high")
                .timer();
        assertThat(wait.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(2_000);
    }

    private double counter(String name, String... tags) {
        return registry.find(name).tags(tags).counter().count();
    }

    private static CostEvent cost(String tenant, CostBasis basis, Usage usage, long micros) {
        return new CostEvent(
                "e-" + tenant + basis, "r", tenant, "openai", "gpt-4.1-mini", usage, micros, basis, null, T0);
    }
}
