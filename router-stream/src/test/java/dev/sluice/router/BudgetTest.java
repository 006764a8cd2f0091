package dev.sluice.router;

import static dev.sluice.router.RouterHarness.build;
import static dev.sluice.router.RouterHarness.tenant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.BudgetPolicy;
import dev.sluice.model.CostBasis;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.ResponseFormat;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.TenantConfig;
import dev.sluice.model.Tier;
import dev.sluice.model.Usage;
import dev.sluice.router.state.BudgetTotals;
import dev.sluice.router.state.Budgets;
import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.runtime.catalogue.Pricing;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BudgetTest {
    private static final String DAY = Budgets.day(RouterHarness.T0);
    private static final String MONTH = Budgets.month(RouterHarness.T0);

    private final RouterHarness h = new RouterHarness();

    @AfterEach
    void close() {
        h.close();
    }

    private static TenantConfig budgeted(String id, Long daily, Long monthly, BudgetPolicy policy) {
        TenantConfig base = tenant(id);
        return new TenantConfig(
                id,
                null,
                new TenantConfig.Limits(null, null, daily, monthly, null),
                policy,
                null,
                null,
                Tier.LARGE,
                base.webhooks(),
                null,
                null,
                null,
                3600,
                1,
                RouterHarness.T0);
    }

    /** The estimate of the requests below, learnt from one routed job of an unlimited tenant. */
    private long estimate() {
        h.tenant(tenant("probe"));
        h.send(build("probe", "probe").tier(Tier.LARGE).done());
        return h.jobs().getFirst().estimatedCostMicros();
    }

    /**
     * No threads: the router decides all of a tenant's records in one task, one at a time, so
     * requests sent at once are decided in sequence. What this proves is that each decision counts
     * the reservations of the jobs still running before it: none of the 1,000 finishes here.
     */
    @Test
    void shouldRouteOnlyWhatTheBudgetHoldsWhenAThousandRequestsComeBeforeAnyFinishes() {
        long estimate = estimate();
        long budget = 100 * estimate;
        h.tenant(budgeted("acme", budget, null, BudgetPolicy.REJECT));

        int routed = 0;
        int rejected = 0;
        for (int i = 0; i < 1000; i++) {
            h.send(build("r-" + i, "acme").tier(Tier.LARGE).done());
            BudgetTotals day = h.budget("acme", DAY);
            assertThat(day.committed()).as("after request %d", i).isLessThanOrEqualTo(budget + estimate);
            routed += h.jobs().size();
            for (LlmResult r : h.completions()) {
                assertThat(r.error().code()).isEqualTo(Reasons.BUDGET_EXCEEDED);
                rejected++;
            }
        }
        assertThat(routed).isEqualTo(100);
        assertThat(rejected).isEqualTo(900);
        assertThat(h.budget("acme", DAY).reservedMicros()).isEqualTo(budget);
    }

    @Test
    void shouldSettleReservationsWithActualCostsAndAdmitWhatTheSavingsAllow() {
        long estimate = estimate();
        long budget = 10 * estimate;
        h.tenant(budgeted("acme", budget, null, BudgetPolicy.REJECT));
        for (int i = 0; i < 10; i++) {
            h.send(build("r-" + i, "acme").tier(Tier.LARGE).done());
        }
        List<LlmJob> jobs = h.jobs();
        assertThat(jobs).hasSize(10);
        h.send(build("over", "acme").tier(Tier.LARGE).done());
        assertThat(h.completions()).extracting(r -> r.error().code()).containsExactly(Reasons.BUDGET_EXCEEDED);

        // Five jobs finish having really cost a tenth of their estimate each.
        for (LlmJob job : jobs.subList(0, 5)) {
            h.cost("acme", job.requestId(), job.modelChain().getFirst(), estimate / 10);
            h.result(RouterHarness.succeeded(job, "done", estimate / 10));
        }
        BudgetTotals day = h.budget("acme", DAY);
        assertThat(day.reservedMicros()).isEqualTo(5 * estimate);
        assertThat(day.spentMicros()).isEqualTo(5 * (estimate / 10));
        assertThat(h.budget("acme", MONTH).spentMicros()).isEqualTo(5 * (estimate / 10));

        for (int i = 0; i < 6; i++) {
            h.send(build("more-" + i, "acme").tier(Tier.LARGE).done());
        }
        assertThat(h.jobs()).hasSize(4);
        assertThat(h.completions())
                .hasSize(2)
                .allSatisfy(r -> assertThat(r.error().code()).isEqualTo(Reasons.BUDGET_EXCEEDED));
        assertThat(h.budget("acme", DAY).committed()).isLessThanOrEqualTo(budget);
    }

    @Test
    void shouldApplyTheMonthlyBudgetToo() {
        long estimate = estimate();
        h.tenant(budgeted("acme", null, 3 * estimate, BudgetPolicy.REJECT));
        for (int i = 0; i < 5; i++) {
            h.send(build("r-" + i, "acme").tier(Tier.LARGE).done());
        }
        assertThat(h.jobs()).hasSize(3);
        assertThat(h.completions())
                .hasSize(2)
                .allSatisfy(r -> assertThat(r.error().message()).contains("monthly"));
    }

    @Test
    void shouldDowngradeToACheaperTierWhoseEstimateFitsUnderThatPolicy() {
        long largeEstimate = estimate();
        h.tenant(budgeted("acme", largeEstimate + largeEstimate / 2, null, BudgetPolicy.DOWNGRADE));
        h.send(build("first", "acme").tier(Tier.LARGE).done());
        h.send(build("second", "acme").tier(Tier.LARGE).done());

        Map<String, LlmJob> jobs = h.jobs().stream().collect(Collectors.toMap(LlmJob::requestId, j -> j));
        assertThat(jobs).hasSize(2);
        assertThat(jobs.get("first").tier()).isEqualTo(Tier.LARGE);
        LlmJob second = jobs.get("second");
        assertThat(second.tier()).isIn(Tier.MEDIUM, Tier.SMALL);
        assertThat(second.routeReason()).contains("downgraded");
        assertThat(second.estimatedCostMicros()).isLessThan(largeEstimate);
        assertThat(second.cacheKey()).isNull();
        assertThat(h.budget("acme", DAY).committed()).isLessThanOrEqualTo(largeEstimate + largeEstimate / 2);
    }

    @Test
    void shouldRejectUnderDowngradeWhenNoTierFits() {
        h.tenant(budgeted("acme", 1L, null, BudgetPolicy.DOWNGRADE));
        h.send(build("r", "acme").tier(Tier.LARGE).done());

        assertThat(h.jobs()).isEmpty();
        assertThat(h.completions()).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(ResultStatus.REJECTED);
            assertThat(r.error().code()).isEqualTo(Reasons.BUDGET_EXCEEDED);
            assertThat(r.error().message()).contains("daily budget of $0.000001");
        });
    }

    @Test
    void shouldKeepNoBudgetStateForATenantWithoutBudgets() {
        h.tenant(tenant("free"));
        h.send(build("r", "free").done());
        assertThat(h.jobs()).hasSize(1);
        assertThat(h.budget("free", DAY)).isEqualTo(BudgetTotals.NONE);
    }

    @Test
    void shouldKeepAPrimaryOutageWithEveryJobOnTheDearFallbackWithinTheBudgetPlusOneWorstCase() {
        long budget = 100_000;
        h.tenant(budgeted("acme", budget, null, BudgetPolicy.REJECT));
        ModelSpec fallback = h.catalogue.require("claude-sonnet-4-5");
        ModelSpec primary = h.catalogue.require("gpt-4.1-mini");
        assertThat(h.catalogue.chain(Tier.MEDIUM)).containsExactly(primary.name(), fallback.name());

        // 300 jobs are routed before any finishes, as when a backlog meets an outage...
        for (int i = 0; i < 300; i++) {
            h.send(build("r-" + i, "acme")
                    .tier(Tier.MEDIUM)
                    .maxOutputTokens(1_000)
                    .done());
        }
        List<LlmJob> routed = h.jobs();
        long rejected = h.completions().stream()
                .filter(r -> r.error().code().equals(Reasons.BUDGET_EXCEEDED))
                .count();
        // ...then the primary is down: every one is answered by the fallback, using all its output tokens.
        long spent = 0;
        long worstCase = 0;
        for (LlmJob job : routed) {
            long cost =
                    Pricing.costMicros(fallback, new Usage(job.estimatedInputTokens(), 1_000, 0, 0), CostBasis.SYNC);
            h.cost("acme", job.requestId(), fallback.name(), cost);
            h.result(RouterHarness.succeeded(job, "answered by the fallback", cost));
            spent += cost;
            worstCase = Math.max(worstCase, job.estimatedCostMicros());
        }

        assertThat(routed).isNotEmpty();
        assertThat(rejected).isEqualTo(300 - routed.size()).isPositive();
        assertThat(worstCase).isGreaterThanOrEqualTo(Pricing.estimateMicros(fallback, 1, 1_000));
        assertThat(spent).as("what the fallback really cost").isLessThanOrEqualTo(budget + worstCase);
        assertThat(h.budget("acme", DAY).spentMicros()).isEqualTo(spent);
        assertThat(h.budget("acme", DAY).reservedMicros()).isZero();
    }

    @Test
    void shouldHoldTheDearestModelAndARepairCallForAJsonJob() {
        h.tenant(tenant("acme"));
        h.send(build("text", "acme").tier(Tier.MEDIUM).maxOutputTokens(1_000).done());
        LlmJob text = h.jobs().getFirst();
        LlmRequest t = text.request();
        h.send(new LlmRequest(
                "json",
                "acme",
                null,
                null,
                t.priority(),
                null,
                null,
                Tier.MEDIUM,
                t.messages(),
                1_000,
                null,
                new ResponseFormat(ResponseFormat.Type.JSON, null, null),
                null,
                Map.of(),
                t.createdAt()));
        LlmJob json = h.jobs().getFirst();

        ModelSpec sonnet = h.catalogue.require("claude-sonnet-4-5");
        long in = text.estimatedInputTokens();
        long oneCall = Math.max(
                Pricing.costMicros(sonnet, new Usage(in, 1_000, 0, 0), CostBasis.SYNC),
                Pricing.costMicros(sonnet, new Usage(0, 1_000, 0, in), CostBasis.SYNC));
        assertThat(text.estimatedCostMicros()).isEqualTo(oneCall);
        assertThat(json.estimatedCostMicros()).isGreaterThan(2 * oneCall);
    }
}
