package dev.sluice.router;

import static dev.sluice.router.RouterHarness.build;
import static dev.sluice.router.RouterHarness.tenant;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.model.LlmJob;
import dev.sluice.model.Message;
import dev.sluice.model.TenantConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the router counts and measures, as its /metrics shows it (docs/metrics.md). */
class RouterMetricsTest {
    private final RouterHarness h = new RouterHarness(Duration.ofHours(24), Duration.ofMinutes(2));

    @AfterEach
    void close() {
        h.close();
    }

    private static TenantConfig budgeted(String id, Long daily, Long monthly) {
        TenantConfig base = tenant(id);
        return new TenantConfig(
                id,
                null,
                new TenantConfig.Limits(null, null, daily, monthly, null),
                null,
                null,
                null,
                null,
                base.webhooks(),
                null,
                null,
                null,
                3600,
                1,
                RouterHarness.T0);
    }

    private double counter(String name, String... tags) {
        var c = h.metrics.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    private Gauge gauge(String name, String tenant, String period) {
        return h.metrics.find(name).tags("tenant", tenant, "period", period).gauge();
    }

    @Test
    void shouldCountAnExactHitApartFromAFollowerServedByTheRequestItWaitedFor() {
        h.tenant(tenant("acme"));
        // Given two identical temperature-0 requests at once: the second waits for the first
        h.send(build("leader", "acme").temperature(0.0).done());
        h.send(build("follower", "acme").temperature(0.0).done());
        LlmJob leader = h.jobs().getFirst();

        // When the first's result comes in, and later the same request again
        h.result(RouterHarness.succeeded(leader, "Paris", 10));
        h.send(build("later", "acme").temperature(0.0).done());

        // Then one of each kind, and both are requests the router answered itself
        assertThat(counter("sluice_router_cache_hits_total", "tenant", "acme", "kind", "single_flight"))
                .isEqualTo(1);
        assertThat(counter("sluice_router_cache_hits_total", "tenant", "acme", "kind", "exact"))
                .isEqualTo(1);
        assertThat(counter(
                        "sluice_router_requests_answered_total",
                        "tenant",
                        "acme",
                        "status",
                        "SUCCEEDED",
                        "reason",
                        "CACHE_HIT"))
                .isEqualTo(2);
        assertThat(counter("sluice_router_jobs_routed_total", "tenant", "acme", "route", "medium.normal"))
                .isEqualTo(1);
    }

    @Test
    void shouldCountRefusalsAndDuplicatesByReasonAndDeadLettersByStage() {
        h.tenant(tenant("acme"));
        h.send(build("empty", "acme").messages().done());
        h.send(build("first", "acme").idempotencyKey("k-1").done());
        h.result(RouterHarness.succeeded(h.jobs().getFirst(), "done", 10));
        h.send(build("again", "acme").idempotencyKey("k-1").done());
        h.sendRaw("acme", "\u0000not a request".getBytes(StandardCharsets.UTF_8));

        assertThat(counter(
                        "sluice_router_requests_answered_total",
                        "tenant",
                        "acme",
                        "status",
                        "REJECTED",
                        "reason",
                        "EMPTY_MESSAGES"))
                .isEqualTo(1);
        assertThat(counter(
                        "sluice_router_requests_answered_total",
                        "tenant",
                        "acme",
                        "status",
                        "SUCCEEDED",
                        "reason",
                        "DUPLICATE"))
                .isEqualTo(1);
        assertThat(counter("sluice_dead_letters_total", "stage", "deserialize")).isEqualTo(1);
    }

    @Test
    void shouldMeasureFromARequestsCreationToItsRouting() {
        h.tenant(tenant("acme"));
        h.advance(Duration.ofSeconds(3));

        h.send(build("late", "acme").createdAt(RouterHarness.T0).done());

        Timer routed = h.metrics.find("sluice_router_accepted_to_routed").timer();
        assertThat(routed.count()).isEqualTo(1);
        assertThat(routed.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(3_000);
    }

    @Test
    void shouldShowEachBudgetOfATenantAsTheShareSpentAndTheShareCommitted() {
        h.tenant(budgeted("acme", 1_000_000L, null)).tenant(tenant("free"));
        // Given a routed job holding its worst case, and a call it has already paid for
        h.send(build("job-1", "acme")
                .messages(Message.user("Summarise the report."))
                .done());
        h.send(build("job-2", "free").done());
        LlmJob job = h.jobs().stream()
                .filter(j -> j.tenantId().equals("acme"))
                .findFirst()
                .orElseThrow();
        h.cost("acme", "job-1", job.modelChain().getFirst(), 250_000);

        // When the task publishes its tenants' totals
        h.advance(RouterMetrics.BUDGET_EVERY);

        // Then the daily budget shows both shares; the tenant has no monthly budget and no tenant
        // without a budget is shown
        assertThat(gauge("sluice_router_budget_spent_ratio", "acme", "day").value())
                .isEqualTo(0.25);
        assertThat(gauge("sluice_router_budget_committed_ratio", "acme", "day").value())
                .isCloseTo(0.25 + job.estimatedCostMicros() / 1_000_000.0, within(1e-9));
        assertThat(gauge("sluice_router_budget_spent_ratio", "acme", "month")).isNull();
        assertThat(h.metrics
                        .find("sluice_router_budget_spent_ratio")
                        .tags("tenant", "free")
                        .gauges())
                .isEmpty();

        // And once the job's result releases what it held, committed is what was spent
        h.result(RouterHarness.succeeded(job, "done", 250_000));
        h.advance(RouterMetrics.BUDGET_EVERY);
        assertThat(gauge("sluice_router_budget_committed_ratio", "acme", "day").value())
                .isEqualTo(0.25);
    }

    @Test
    void shouldStartANewDayAtZeroAndDropTheGaugesWhenTheTaskCloses() {
        h.tenant(budgeted("acme", 1_000_000L, 10_000_000L));
        h.send(build("job-1", "acme").done());
        h.cost("acme", "job-1", h.jobs().getFirst().modelChain().getFirst(), 500_000);
        h.advance(RouterMetrics.BUDGET_EVERY);
        assertThat(gauge("sluice_router_budget_spent_ratio", "acme", "day").value())
                .isEqualTo(0.5);

        h.advance(Duration.ofHours(24));

        assertThat(gauge("sluice_router_budget_spent_ratio", "acme", "day").value())
                .isZero();
        assertThat(gauge("sluice_router_budget_spent_ratio", "acme", "month").value())
                .isEqualTo(0.05);
        h.close();
        assertThat(h.metrics.find("sluice_router_budget_spent_ratio").gauges()).isEmpty();
    }
}
