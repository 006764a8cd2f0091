package dev.sluice.router;

import static dev.sluice.router.RouterHarness.build;
import static dev.sluice.router.RouterHarness.tenant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.BudgetPolicy;
import dev.sluice.model.CacheHit;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmResult;
import dev.sluice.model.TenantConfig;
import dev.sluice.model.Tier;
import dev.sluice.router.state.RouterState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A restart with no local state: the second driver knows only what the first wrote to the
 * changelogs. RouterIT does the same with a real broker and Kafka Streams' own restoration.
 */
class RestartTest {
    private static final Duration WINDOW = Duration.ofHours(24);
    private static final Duration WAIT = Duration.ofMinutes(2);

    private RouterHarness h = new RouterHarness(WINDOW, WAIT);

    @AfterEach
    void close() {
        h.close();
    }

    private static TenantConfig budgeted(String id, long daily) {
        TenantConfig base = tenant(id);
        return new TenantConfig(
                id,
                null,
                new TenantConfig.Limits(null, null, daily, null, null),
                BudgetPolicy.REJECT,
                null,
                null,
                Tier.LARGE,
                base.webhooks(),
                null,
                TenantConfig.CachePolicy.DEFAULT.withSemantic(),
                null,
                3600,
                1,
                RouterHarness.T0);
    }

    @Test
    void shouldRecoverDedupeCacheSingleFlightAndBudgetFromTheChangelogsAlone() {
        h.tenant(tenant("probe"));
        h.send(build("probe", "probe").tier(Tier.LARGE).done());
        long estimate = h.jobs().getFirst().estimatedCostMicros();
        TenantConfig acme = budgeted("acme", 3 * estimate);
        h.tenant(acme);

        h.send(build("orig", "acme").idempotencyKey("k1").done());
        h.send(build("leader", "acme")
                .prompt("Classify ticket 7.")
                .temperature(0.0)
                .done());
        h.send(build("follower", "acme")
                .prompt("Classify ticket 7.")
                .temperature(0.0)
                .done());
        h.send(build("cached", "acme")
                .prompt("Summarise ticket 9.")
                .temperature(0.0)
                .done());
        Map<String, LlmJob> jobs = h.jobs().stream().collect(Collectors.toMap(LlmJob::requestId, Function.identity()));
        assertThat(jobs).containsOnlyKeys("orig", "leader", "cached");
        h.result(RouterHarness.succeeded(jobs.get("cached"), "summary of 9", estimate));
        h.cost("acme", "cached", jobs.get("cached").modelChain().getFirst(), estimate);
        assertThat(h.completions()).isEmpty();
        for (String store : RouterState.storeNames()) {
            assertThat(h.changelogRecords(store)).as("changelog of %s", store).isPositive();
        }

        h = h.restartFromChangelogs(WINDOW, WAIT);
        h.tenant(acme);

        h.send(build("dup", "acme").idempotencyKey("k1").done());
        h.send(build("again", "acme")
                .prompt("Summarise ticket 9.")
                .temperature(0.0)
                .done());
        h.send(build("over", "acme").done());
        assertThat(h.jobs()).as("no new job after the restart").isEmpty();
        List<LlmResult> early = h.completions();
        assertThat(early).extracting(LlmResult::requestId).containsExactlyInAnyOrder("again", "over");
        assertThat(early)
                .filteredOn(r -> r.requestId().equals("again"))
                .singleElement()
                .satisfies(r -> {
                    assertThat(r.cacheHit()).isEqualTo(CacheHit.EXACT);
                    assertThat(r.output()).isEqualTo("summary of 9");
                });
        assertThat(early)
                .filteredOn(r -> r.requestId().equals("over"))
                .singleElement()
                .satisfies(r -> assertThat(r.error().code()).isEqualTo(Reasons.BUDGET_EXCEEDED));

        h.result(RouterHarness.succeeded(jobs.get("orig"), "original answer", estimate));
        h.result(RouterHarness.succeeded(jobs.get("leader"), "class B", estimate));
        Map<String, LlmResult> late =
                h.completions().stream().collect(Collectors.toMap(LlmResult::requestId, Function.identity()));
        assertThat(late).containsOnlyKeys("dup", "follower");
        assertThat(late.get("dup").duplicateOf()).isEqualTo("orig");
        assertThat(late.get("dup").output()).isEqualTo("original answer");
        assertThat(late.get("follower").cacheHit()).isEqualTo(CacheHit.EXACT);
        assertThat(late.get("follower").output()).isEqualTo("class B");
        assertThat(h.jobs()).isEmpty();
    }
}
