package dev.sluice.router;

import static dev.sluice.router.RouterHarness.build;
import static dev.sluice.router.RouterHarness.tenant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.CacheHit;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmResult;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.TenantConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CacheTest {
    private final RouterHarness h = new RouterHarness(Duration.ofHours(24), Duration.ofMinutes(2));

    @AfterEach
    void close() {
        h.close();
    }

    private static TenantConfig caching(String id, boolean anyTemperature, long ttlSeconds) {
        TenantConfig base = tenant(id);
        return new TenantConfig(
                id,
                null,
                null,
                null,
                null,
                null,
                null,
                base.webhooks(),
                null,
                new TenantConfig.CachePolicy(true, anyTemperature, ttlSeconds),
                null,
                3600,
                1,
                RouterHarness.T0);
    }

    private LlmJob routeAndAnswer(String id, String tenant, String output) {
        h.send(build(id, tenant).temperature(0.0).done());
        LlmJob job = h.jobs().getFirst();
        h.result(RouterHarness.succeeded(job, output, 1234));
        return job;
    }

    @Test
    void shouldServeAnIdenticalTemperatureZeroRequestFromTheCacheAtNoCost() {
        h.tenant(caching("acme", false, 3600));
        LlmJob first = routeAndAnswer("first", "acme", "cached answer");
        assertThat(first.cacheKey()).startsWith("acme:");

        h.send(build("second", "acme").temperature(0.0).done());

        assertThat(h.jobs()).isEmpty();
        assertThat(h.completions()).singleElement().satisfies(hit -> {
            assertThat(hit.requestId()).isEqualTo("second");
            assertThat(hit.cacheHit()).isEqualTo(CacheHit.EXACT);
            assertThat(hit.costMicros()).isZero();
            assertThat(hit.output()).isEqualTo("cached answer");
            assertThat(hit.status()).isEqualTo(ResultStatus.SUCCEEDED);
        });
    }

    @Test
    void shouldNotCacheANonZeroTemperatureUnlessTheTenantOptsIn() {
        h.tenant(caching("plain", false, 3600)).tenant(caching("optin", true, 3600));
        for (String t : List.of("plain", "optin")) {
            h.send(build(t + "-1", t).temperature(0.7).done());
            h.result(RouterHarness.succeeded(h.jobs().getFirst(), "x", 1));
        }
        h.send(build("plain-2", "plain").temperature(0.7).done());
        h.send(build("optin-2", "optin").temperature(0.7).done());

        assertThat(h.jobs()).extracting(LlmJob::requestId).containsExactly("plain-2");
        assertThat(h.completions()).extracting(LlmResult::requestId).containsExactly("optin-2");
    }

    @Test
    void shouldNeitherAnswerNorKeepARequestThatSkipsTheCache() {
        h.tenant(caching("acme", false, 3600));
        Map<String, String> skip = Map.of("sluice.cache", "skip");
        routeAndAnswer("first", "acme", "cached answer");

        h.send(build("skips", "acme").temperature(0.0).metadata(skip).done());
        LlmJob skipped = h.jobs().getFirst();
        assertThat(skipped.requestId()).isEqualTo("skips");
        assertThat(skipped.cacheKey()).isNull();
        assertThat(h.completions()).isEmpty();

        h.send(build("fresh-skip", "acme")
                .temperature(0.0)
                .prompt("Not asked before")
                .metadata(skip)
                .done());
        h.result(RouterHarness.succeeded(h.jobs().getFirst(), "not kept", 10));
        h.send(build("fresh", "acme")
                .temperature(0.0)
                .prompt("Not asked before")
                .done());
        assertThat(h.jobs()).extracting(LlmJob::requestId).containsExactly("fresh");
    }

    @Test
    void shouldKeepTheArmsOfAnExperimentFromTakingEachOthersAnswers() {
        TenantConfig base = caching("acme", false, 3600);
        // One arm only labels a prompt version: its jobs ask exactly what the other arm's ask.
        TenantConfig labelled = new TenantConfig(
                "acme",
                null,
                null,
                null,
                null,
                null,
                null,
                base.webhooks(),
                null,
                base.cache(),
                List.of(new TenantConfig.Experiment(
                        "labels",
                        List.of(
                                new TenantConfig.Variant("a", 1, null, null, "v1", null),
                                new TenantConfig.Variant("b", 1, null, null, "v2", null)))),
                3600,
                1,
                RouterHarness.T0);
        h.tenant(labelled);
        java.util.Map<String, String> armOf = new java.util.HashMap<>();
        for (int i = 0; i < 20 && armOf.size() < 2; i++) {
            String arm =
                    Experiments.assign(labelled, "u" + i).getFirst().variant().name();
            armOf.putIfAbsent(arm, "u" + i);
        }
        h.send(build("first", "acme").userId(armOf.get("a")).temperature(0.0).done());
        h.result(RouterHarness.succeeded(h.jobs().getFirst(), "arm a's answer", 100));
        h.send(build("same-arm", "acme").userId(armOf.get("a")).temperature(0.0).done());
        h.send(build("other-arm", "acme")
                .userId(armOf.get("b"))
                .temperature(0.0)
                .done());

        assertThat(h.completions()).extracting(LlmResult::requestId).containsExactly("same-arm");
        assertThat(h.jobs()).extracting(LlmJob::requestId).containsExactly("other-arm");
    }

    @Test
    void shouldNeverShowOneTenantsCacheToAnother() {
        h.tenant(caching("acme", false, 3600)).tenant(caching("globex", false, 3600));
        routeAndAnswer("a", "acme", "acme's answer");

        h.send(build("g", "globex").temperature(0.0).done());

        assertThat(h.jobs()).extracting(LlmJob::requestId).containsExactly("g");
        assertThat(h.completions()).isEmpty();
    }

    @Test
    void shouldNotCacheAFailedResultAndShouldForgetEntriesAfterTheTenantsTtl() {
        h.tenant(caching("acme", false, 60));
        h.send(build("f", "acme").temperature(0.0).prompt("Fails").done());
        h.result(RouterHarness.failed(h.jobs().getFirst()));
        h.send(build("f2", "acme").temperature(0.0).prompt("Fails").done());
        assertThat(h.jobs()).extracting(LlmJob::requestId).containsExactly("f2");

        routeAndAnswer("ok", "acme", "fresh");
        h.advance(Duration.ofSeconds(61));
        h.send(build("ok2", "acme").temperature(0.0).createdAt(h.now()).done());
        assertThat(h.jobs()).extracting(LlmJob::requestId).containsExactly("ok2");
    }

    @Test
    void shouldMakeAnIdenticalRequestWaitForTheOneInFlightInsteadOfCallingTheProviderTwice() {
        h.tenant(caching("acme", false, 3600));
        h.send(build("leader", "acme").temperature(0.0).done());
        h.send(build("follower", "acme").temperature(0.0).done());

        List<LlmJob> jobs = h.jobs();
        assertThat(jobs).extracting(LlmJob::requestId).containsExactly("leader");
        assertThat(h.completions()).isEmpty();

        h.result(RouterHarness.succeeded(jobs.getFirst(), "one call, two answers", 500));

        assertThat(h.completions()).singleElement().satisfies(r -> {
            assertThat(r.requestId()).isEqualTo("follower");
            assertThat(r.cacheHit()).isEqualTo(CacheHit.EXACT);
            assertThat(r.costMicros()).isZero();
            assertThat(r.output()).isEqualTo("one call, two answers");
        });
    }

    @Test
    void shouldTurnAWaitingRequestIntoAJobWhenTheLeaderFails() {
        h.tenant(caching("acme", false, 3600));
        h.send(build("leader", "acme").temperature(0.0).done());
        h.send(build("follower", "acme").temperature(0.0).done());
        h.result(RouterHarness.failed(h.jobs().getFirst()));

        assertThat(h.jobs()).extracting(LlmJob::requestId).containsExactly("follower");
        assertThat(h.completions()).isEmpty();
    }

    @Test
    void shouldKeepTheDuplicatesOfAWaitingRequestWhenItBecomesAJobOfItsOwn() {
        h.tenant(caching("acme", false, 3600));
        h.send(build("leader", "acme").temperature(0.0).done());
        h.send(build("follower", "acme").idempotencyKey("k-1").temperature(0.0).done());
        h.send(build("follower-again", "acme")
                .idempotencyKey("k-1")
                .temperature(0.0)
                .done());
        h.result(RouterHarness.failed(h.jobs().getFirst()));
        LlmJob follower = h.jobs().getFirst();

        h.result(RouterHarness.succeeded(follower, "the follower's own answer", 10));

        assertThat(h.completions()).singleElement().satisfies(r -> {
            assertThat(r.requestId()).isEqualTo("follower-again");
            assertThat(r.duplicateOf()).isEqualTo("follower");
            assertThat(r.output()).isEqualTo("the follower's own answer");
        });
    }

    @Test
    void shouldStopWaitingAfterTheBoundAndMakeTheFollowerAJob() {
        h.tenant(caching("acme", false, 3600));
        h.send(build("leader", "acme").temperature(0.0).done());
        h.send(build("follower", "acme").temperature(0.0).done());
        assertThat(h.jobs()).hasSize(1);

        h.advance(Duration.ofMinutes(2).plusSeconds(2));

        assertThat(h.jobs()).extracting(LlmJob::requestId).containsExactly("follower");
    }

    @Test
    void shouldRouteARequestAsItsOwnJobOnceTheLeaderHasAsManyFollowersAsItKeeps() {
        h.tenant(caching("acme", false, 3600));
        for (int i = 0; i <= dev.sluice.router.state.InFlight.MAX_FOLLOWERS + 1; i++) {
            h.send(build("r-" + i, "acme").temperature(0.0).done());
        }

        assertThat(h.jobs()).extracting(LlmJob::requestId).containsExactly("r-0", "r-101");
        assertThat(h.completions()).isEmpty();
    }
}
