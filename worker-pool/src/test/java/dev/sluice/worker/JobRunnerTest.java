package dev.sluice.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.Attempt;
import dev.sluice.model.CostBasis;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.Tier;
import dev.sluice.model.Usage;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.runtime.catalogue.Pricing;
import dev.sluice.worker.provider.ChatProvider;
import dev.sluice.worker.provider.ProviderException;
import dev.sluice.worker.provider.ProviderReply;
import dev.sluice.worker.provider.Providers;
import dev.sluice.worker.resilience.MutableClock;
import dev.sluice.worker.resilience.ProviderCalls;
import dev.sluice.worker.resilience.RateLimits;
import io.github.resilience4j.retry.internal.RetryImpl;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class JobRunnerTest {
    private static final Instant T = Instant.parse("2026-11-22T12:00:00Z");
    private final ModelCatalogue catalogue = ModelCatalogue.loadDefault();
    private final Clock clock = Clock.fixed(T, ZoneOffset.UTC);
    /** Retry waits, recorded instead of slept. */
    private final List<Long> sleeps = new ArrayList<>();

    @BeforeEach
    void recordSleeps() {
        RetryImpl.setSleepFunction(sleeps::add);
    }

    @AfterEach
    void sleepAgain() {
        RetryImpl.setSleepFunction(Thread::sleep);
    }

    /** A provider that answers from a script, one entry per call, and records what was called. */
    private static final class Scripted implements ChatProvider {
        private final String name;
        private final Map<String, Object> byModel;
        final List<String> called = new ArrayList<>();

        Scripted(String name, Map<String, Object> byModel) {
            this.name = name;
            this.byModel = byModel;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public ProviderReply complete(ModelSpec model, LlmJob job) throws ProviderException {
            called.add(model.name());
            Object answer = byModel.get(model.name());
            if (answer instanceof ProviderException e) {
                throw e;
            }
            return (ProviderReply) answer;
        }
    }

    private static LlmJob job(List<String> chain) {
        return new LlmJob(
                LlmRequest.of("r-1", "acme", "hi", T), Tier.MEDIUM, chain, 5, 100, null, "B", "", 0, false, false, T);
    }

    private static ProviderException error(int status, boolean retryable) {
        return new ProviderException(status, "x", null, "failed " + status, retryable, null);
    }

    @Test
    void shouldLabelEachCallWithWhatItWasBilledAs() {
        assertThat(JobRunner.basis(new Usage(100, 20, 0, 0))).isEqualTo(CostBasis.SYNC);
        assertThat(JobRunner.basis(new Usage(100, 20, 900, 0))).isEqualTo(CostBasis.CACHE_READ);
        assertThat(JobRunner.basis(new Usage(100, 20, 0, 1_500))).isEqualTo(CostBasis.CACHE_WRITE);
        assertThat(JobRunner.basis(new Usage(100, 20, 900, 600))).isEqualTo(CostBasis.CACHE_WRITE);
    }

    @Test
    void shouldSucceedWithThePrimaryModelAndPriceItsUsage() {
        Usage usage = new Usage(1200, 300, 800, 0);
        Scripted openai = new Scripted(
                "openai", Map.of("gpt-4.1-mini", new ProviderReply("answer", "stop", usage, 200, "req_1")));
        Outcome outcome = new JobRunner(catalogue, new Providers().add(openai), clock)
                .run(job(List.of("gpt-4.1-mini", "claude-sonnet-4-5")));

        long expected = Pricing.costMicros(catalogue.require("gpt-4.1-mini"), usage, CostBasis.SYNC);
        assertThat(outcome.result().status()).isEqualTo(ResultStatus.SUCCEEDED);
        assertThat(outcome.result().output()).isEqualTo("answer");
        assertThat(outcome.result().costMicros()).isEqualTo(expected).isEqualTo(480 + 80 + 480);
        assertThat(outcome.result().variant()).isEqualTo("B");
        assertThat(outcome.result().injectionFlagged()).isFalse();
        assertThat(outcome.costs()).singleElement().satisfies(c -> {
            assertThat(c.costMicros()).isEqualTo(expected);
            assertThat(c.usage()).isEqualTo(usage);
            assertThat(c.basis())
                    .as("800 of the prompt tokens were cache reads")
                    .isEqualTo(CostBasis.CACHE_READ);
            assertThat(c.model()).isEqualTo("gpt-4.1-mini");
        });
        assertThat(openai.called).containsExactly("gpt-4.1-mini");
    }

    @Test
    void shouldFallBackToTheNextModelOnceTheRetriesOfARetryableFailureAreSpent() {
        Scripted openai = new Scripted(
                "openai",
                Map.of(
                        "gpt-4.1-mini",
                        error(503, true),
                        "gpt-4o",
                        new ProviderReply("from fallback", "stop", new Usage(10, 10, 0, 0), 200, "req_2")));
        Outcome outcome = new JobRunner(catalogue, new Providers().add(openai), clock)
                .run(job(List.of("gpt-4.1-mini", "gpt-4o")));

        assertThat(outcome.result().status()).isEqualTo(ResultStatus.SUCCEEDED);
        assertThat(outcome.result().model()).isEqualTo("gpt-4o");
        assertThat(outcome.result().attempts())
                .extracting(Attempt::outcome)
                .containsExactly("server_error", "server_error", "server_error", "ok");
        assertThat(openai.called).containsExactly("gpt-4.1-mini", "gpt-4.1-mini", "gpt-4.1-mini", "gpt-4o");
        assertThat(sleeps).hasSize(2);
        assertThat(sleeps.get(0)).isBetween(375L, 500L);
        assertThat(sleeps.get(1)).isBetween(750L, 1000L);
        assertThat(outcome.costs()).hasSize(1);
    }

    /** Every other call answered 429 while the storm lasts, then 503 to every call while it is down. */
    private static final class Stormy implements ChatProvider {
        private final String name;
        volatile boolean storm;
        volatile boolean down;
        int calls;

        Stormy(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public ProviderReply complete(ModelSpec model, LlmJob job) throws ProviderException {
            calls++;
            if (down) {
                throw error(503, true);
            }
            if (storm && calls % 2 == 1) {
                throw new ProviderException(
                        429,
                        "requests",
                        "rate_limit_exceeded",
                        "Rate limit reached",
                        true,
                        java.time.Duration.ofSeconds(1));
            }
            return new ProviderReply("answer from " + model.name(), "stop", new Usage(10, 5, 0, 0), 200, "req");
        }
    }

    @Test
    void shouldFailNoJobInA429StormAndFallBackToTheOtherProviderWhenThePrimaryGoesDownRightAfter() {
        MutableClock clock = new MutableClock(T);
        ProviderCalls calls = new ProviderCalls(
                ProviderCalls.Settings.DEFAULTS,
                clock,
                new RateLimits(clock, clock::advance, java.time.Duration.ofMinutes(5)));
        Stormy openai = new Stormy("openai");
        Stormy anthropic = new Stormy("anthropic");
        JobRunner runner =
                new JobRunner(catalogue, new Providers().add(openai).add(anthropic), clock, calls, tenant -> false);
        List<String> chain = List.of("gpt-4.1-mini", "claude-sonnet-4-5");
        openai.storm = true;
        anthropic.storm = true;

        List<Outcome> inStorm = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            inStorm.add(runner.run(job(chain)));
        }
        openai.storm = false;
        anthropic.storm = false;
        openai.down = true;
        List<Outcome> inOutage = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            inOutage.add(runner.run(job(chain)));
        }

        assertThat(inStorm).allSatisfy(o -> {
            assertThat(o.result().status()).isEqualTo(ResultStatus.SUCCEEDED);
            assertThat(o.result().provider())
                    .as("the storm is waited out on the primary")
                    .isEqualTo("openai");
        });
        assertThat(inStorm)
                .flatExtracting(o -> o.result().attempts())
                .extracting(Attempt::outcome)
                .containsOnly("rate_limited", "ok");
        assertThat(inOutage).allSatisfy(o -> {
            assertThat(o.result().status()).isEqualTo(ResultStatus.SUCCEEDED);
            assertThat(o.result().provider()).isEqualTo("anthropic");
        });
        assertThat(inOutage.getLast().result().attempts())
                .extracting(Attempt::outcome)
                .as("the primary's breaker opened on the 503s: skipped at once")
                .containsExactly("circuit_open", "ok");
        assertThat(calls.breaker(catalogue.require("claude-sonnet-4-5")).getState())
                .isEqualTo(io.github.resilience4j.circuitbreaker.CircuitBreaker.State.CLOSED);
    }

    @Test
    void shouldStopAtAFailureAnotherModelWouldNotFix() {
        Scripted openai = new Scripted("openai", Map.of("gpt-4.1-mini", error(401, false)));
        Outcome outcome = new JobRunner(catalogue, new Providers().add(openai), clock)
                .run(job(List.of("gpt-4.1-mini", "gpt-4o")));

        assertThat(outcome.result().status()).isEqualTo(ResultStatus.FAILED);
        assertThat(outcome.result().error().code()).isEqualTo(FailureCodes.PROVIDER_AUTH);
        assertThat(openai.called).as("not retried").containsExactly("gpt-4.1-mini");
        assertThat(sleeps).isEmpty();
        assertThat(outcome.costs()).isEmpty();
    }

    @Test
    void shouldFailRetryablyWhenEveryModelIsDown() {
        Scripted openai = new Scripted("openai", Map.of("gpt-4.1-mini", error(503, true), "gpt-4o", error(500, true)));
        Outcome outcome = new JobRunner(catalogue, new Providers().add(openai), clock)
                .run(job(List.of("gpt-4.1-mini", "gpt-4o")));

        assertThat(outcome.result().error().code()).isEqualTo(FailureCodes.PROVIDER_UNAVAILABLE);
        assertThat(outcome.result().error().retryable()).isTrue();
        assertThat(outcome.result().attempts()).as("three calls of each model").hasSize(6);
    }

    @Test
    void shouldEndAJobWithWorkerErrorWhenAnAdapterThrowsInsteadOfStoppingTheWorker() {
        ChatProvider broken = new ChatProvider() {
            @Override
            public String name() {
                return "openai";
            }

            @Override
            public ProviderReply complete(ModelSpec model, LlmJob job) {
                throw new IllegalStateException("adapter bug");
            }
        };
        Outcome outcome = new JobRunner(catalogue, new Providers().add(broken), clock).run(job(List.of("gpt-4o")));

        assertThat(outcome.result().status()).isEqualTo(ResultStatus.FAILED);
        assertThat(outcome.result().error().code()).isEqualTo(FailureCodes.WORKER_ERROR);
        assertThat(outcome.result().error().message()).contains("IllegalStateException");
        assertThat(outcome.costs()).isEmpty();
    }

    @Test
    void shouldEndAJobWithAnEmptyModelChainWithNoProvider() {
        Outcome outcome = new JobRunner(catalogue, new Providers(), clock).run(job(List.of()));
        assertThat(outcome.result().error().code()).isEqualTo(FailureCodes.NO_PROVIDER);
    }

    @Test
    void shouldSkipModelsWhoseProviderThisWorkerCannotReachAndSaySoWhenNoneIsLeft() {
        Outcome outcome = new JobRunner(catalogue, new Providers(), clock).run(job(List.of("claude-sonnet-4-5")));

        assertThat(outcome.result().status()).isEqualTo(ResultStatus.FAILED);
        assertThat(outcome.result().error().code()).isEqualTo(FailureCodes.NO_PROVIDER);
        assertThat(outcome.result().error().message()).contains("claude-sonnet-4-5");
        assertThat(outcome.result().attempts()).isEmpty();
    }

    @Test
    void shouldCarryTheRoutersInjectionFlagOntoTheResult() {
        LlmJob plain = job(List.of("gpt-4.1-mini"));
        LlmJob flagged = new LlmJob(
                plain.request(),
                plain.tier(),
                plain.modelChain(),
                plain.estimatedInputTokens(),
                plain.estimatedCostMicros(),
                plain.cacheKey(),
                plain.variant(),
                plain.routeReason(),
                plain.attempt(),
                plain.batchEligible(),
                true,
                plain.routedAt());
        Scripted openai = new Scripted(
                "openai",
                Map.of("gpt-4.1-mini", new ProviderReply("answer", "stop", new Usage(10, 5, 0, 0), 200, "req_1")));

        Outcome outcome = new JobRunner(catalogue, new Providers().add(openai), clock).run(flagged);

        assertThat(outcome.result().status()).isEqualTo(ResultStatus.SUCCEEDED);
        assertThat(outcome.result().injectionFlagged()).isTrue();
        assertThat(outcome.result().variant()).isEqualTo("B");
    }

    @Test
    void shouldRedactPersonalDataFromTheOutputOnlyForTenantsWhosePolicySaysSo() {
        Scripted openai = new Scripted(
                "openai",
                Map.of(
                        "gpt-4.1-mini",
                        new ProviderReply(
                                "Reach Jane at jane@example.com or 415-555-0132.",
                                "stop",
                                new Usage(10, 12, 0, 0),
                                200,
                                "req_1")));
        ProviderCalls calls = new ProviderCalls(ProviderCalls.Settings.DEFAULTS, clock);

        Outcome redacted = new JobRunner(catalogue, new Providers().add(openai), clock, calls, "acme"::equals)
                .run(job(List.of("gpt-4.1-mini")));
        Outcome kept = new JobRunner(catalogue, new Providers().add(openai), clock, calls, tenant -> false)
                .run(job(List.of("gpt-4.1-mini")));

        assertThat(redacted.result().output()).isEqualTo("Reach Jane at [REDACTED_EMAIL] or [REDACTED_PHONE].");
        assertThat(kept.result().output()).isEqualTo("Reach Jane at jane@example.com or 415-555-0132.");
        assertThat(redacted.result().costMicros())
                .as("billed all the same")
                .isEqualTo(kept.result().costMicros());
    }
}
