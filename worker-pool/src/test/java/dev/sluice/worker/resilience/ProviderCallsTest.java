package dev.sluice.worker.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.model.Attempt;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.Message;
import dev.sluice.model.Priority;
import dev.sluice.model.Tier;
import dev.sluice.model.Usage;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.worker.provider.ChatProvider;
import dev.sluice.worker.provider.ProviderException;
import dev.sluice.worker.provider.ProviderReply;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.retry.internal.RetryImpl;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Retry and circuit breaker policies with an injected clock and no real sleeps. */
class ProviderCallsTest {
    private static final Instant T = Instant.parse("2026-11-22T12:00:00Z");
    private static final ModelSpec MINI = ModelCatalogue.loadDefault().require("gpt-4.1-mini");
    private static final ProviderReply OK = new ProviderReply("fine", "stop", new Usage(5, 5, 0, 0), 200, "req_1");

    private final MutableClock clock = new MutableClock(T);
    private final List<Long> sleeps = new ArrayList<>();
    private final List<Attempt> attempts = new ArrayList<>();

    /** Rate limits on the test's clock: a wait for the limit moves the clock, as a real sleep would. */
    private RateLimits limits() {
        return new RateLimits(clock, clock::advance, Duration.ofMinutes(5));
    }

    /** Answers from a queue, one entry per call; an empty queue answers OK. */
    private static final class Scripted implements ChatProvider {
        final Deque<ProviderException> failures = new ArrayDeque<>();
        int calls;

        Scripted failing(ProviderException... errors) {
            failures.addAll(List.of(errors));
            return this;
        }

        @Override
        public String name() {
            return "openai";
        }

        @Override
        public ProviderReply complete(ModelSpec model, LlmJob job) throws ProviderException {
            calls++;
            ProviderException next = failures.poll();
            if (next != null) {
                throw next;
            }
            return OK;
        }
    }

    @BeforeEach
    void recordSleeps() {
        RetryImpl.setSleepFunction(ms -> {
            sleeps.add(ms);
            clock.advance(Duration.ofMillis(ms));
        });
    }

    @AfterEach
    void sleepAgain() {
        RetryImpl.setSleepFunction(Thread::sleep);
    }

    private ProviderCalls calls(double random) {
        return new ProviderCalls(ProviderCalls.Settings.DEFAULTS, clock, () -> random, limits());
    }

    private static LlmJob job(Instant deadline) {
        LlmRequest r = new LlmRequest(
                "r-1",
                "acme",
                null,
                null,
                Priority.NORMAL,
                deadline,
                null,
                null,
                List.of(Message.user("hi")),
                64,
                null,
                null,
                null,
                Map.of(),
                T);
        return new LlmJob(r, Tier.MEDIUM, List.of(MINI.name()), 1, 1, null, null, "", 0, false, false, T);
    }

    private static ProviderException error(int status, Duration retryAfter) {
        return new ProviderException(
                status, "x", null, "HTTP " + status, ProviderException.retryableStatus(status), retryAfter);
    }

    @Test
    void shouldBackOffAsTheSdksDoDoublingFromHalfASecondToAtMostEightWithJitter() {
        ProviderCalls noJitter = calls(0.0);
        ProviderCalls mostJitter = calls(1.0);
        List<Long> slowest = new ArrayList<>();
        List<Long> fastest = new ArrayList<>();
        for (int attempt = 1; attempt <= 6; attempt++) {
            slowest.add(noJitter.delay(attempt, error(503, null)).toMillis());
            fastest.add(mostJitter.delay(attempt, error(503, null)).toMillis());
        }
        assertThat(slowest).containsExactly(500L, 1000L, 2000L, 4000L, 8000L, 8000L);
        assertThat(fastest).containsExactly(375L, 750L, 1500L, 3000L, 6000L, 6000L);
    }

    @Test
    void shouldWaitWhatRetryAfterSaysUpToSixtySecondsAndBackOffBeyond() {
        ProviderCalls calls = calls(0.0);
        assertThat(calls.delay(1, error(503, Duration.ofSeconds(2)))).isEqualTo(Duration.ofSeconds(2));
        assertThat(calls.delay(1, error(503, Duration.ofSeconds(60)))).isEqualTo(Duration.ofSeconds(60));
        assertThat(calls.delay(1, error(503, Duration.ofSeconds(90)))).isEqualTo(Duration.ofMillis(500));
        assertThat(calls.delay(2, error(503, Duration.ZERO))).isEqualTo(Duration.ofMillis(1000));
    }

    @Test
    void shouldRetryARetryableErrorOnTheSameModelAndRecordEveryCall() throws Exception {
        Scripted provider = new Scripted().failing(error(503, null), error(502, null));

        ProviderReply reply = calls(0.0).call(provider, MINI, job(null), attempts::add);

        assertThat(reply).isEqualTo(OK);
        assertThat(provider.calls).isEqualTo(3);
        assertThat(sleeps).containsExactly(500L, 1000L);
        assertThat(attempts).extracting(Attempt::outcome).containsExactly("server_error", "server_error", "ok");
        assertThat(attempts).extracting(Attempt::startedAt).containsExactly(T, T.plusMillis(500), T.plusMillis(1500));
    }

    @Test
    void shouldWaitOutEvery429OnTheSameModelWithoutSpendingItsRetries() throws Exception {
        Scripted provider = new Scripted();
        for (int i = 0; i < 10; i++) {
            provider.failing(error(429, Duration.ofSeconds(2)));
        }
        provider.failing(error(503, null), error(503, null));

        ProviderReply reply = calls(0.0).call(provider, MINI, job(null), attempts::add);

        assertThat(reply)
                .as("ten 429s, then the two retries of the 503s, then an answer")
                .isEqualTo(OK);
        assertThat(provider.calls).isEqualTo(13);
        assertThat(attempts)
                .extracting(Attempt::outcome)
                .startsWith("rate_limited", "rate_limited")
                .endsWith("server_error", "server_error", "ok");
        // Each 429's Retry-After was waited out by the rate limiter, which held the model meanwhile.
        assertThat(attempts.get(10).startedAt()).isEqualTo(T.plusSeconds(20));
        assertThat(sleeps).as("only the 503s were retry waits").containsExactly(500L, 1000L);
    }

    @Test
    void shouldHoldTheModelNoLongerThanTheRetryAfterCapWhenA429AsksForAnHour() throws Exception {
        Scripted provider = new Scripted().failing(error(429, Duration.ofHours(1)));

        assertThat(calls(0.0).call(provider, MINI, job(null), attempts::add)).isEqualTo(OK);

        assertThat(attempts)
                .extracting(Attempt::startedAt)
                .containsExactly(T, T.plus(ProviderCalls.Settings.DEFAULTS.maxRetryAfter()));
    }

    @Test
    void shouldBackOffAsTheSdksDoAfterA429ThatSaysNothingAboutWhenToComeBack() throws Exception {
        Scripted provider = new Scripted().failing(error(429, null), error(429, null), error(429, null));

        assertThat(calls(0.0).call(provider, MINI, job(null), attempts::add)).isEqualTo(OK);

        assertThat(attempts)
                .extracting(Attempt::startedAt)
                .containsExactly(T, T.plusMillis(500), T.plusMillis(1500), T.plusMillis(3500));
    }

    @Test
    void shouldMoveOnWhenTheRateLimitKeepsTheModelPastTheJobsDeadline() {
        Scripted provider = new Scripted();
        for (int i = 0; i < 100; i++) {
            provider.failing(error(429, Duration.ofSeconds(2)));
        }

        assertThatThrownBy(() -> calls(0.0).call(provider, MINI, job(T.plusSeconds(7)), attempts::add))
                .isInstanceOf(RateLimits.WaitTooLong.class)
                .hasMessageContaining("the job's deadline");

        assertThat(provider.calls).as("at T, T+2, T+4 and T+6 s").isEqualTo(4);
        assertThat(attempts)
                .extracting(Attempt::outcome)
                .containsExactly(
                        "rate_limited", "rate_limited", "rate_limited", "rate_limited", ProviderCalls.RATE_LIMIT_WAIT);
    }

    @Test
    void shouldMoveOnAfterWaitingForTheRateLimitForTheLongestWaitInAll() {
        Scripted provider = new Scripted();
        for (int i = 0; i < 1_000; i++) {
            provider.failing(error(429, Duration.ofSeconds(10)));
        }

        assertThatThrownBy(() -> calls(0.0).call(provider, MINI, job(null), attempts::add))
                .isInstanceOf(RateLimits.WaitTooLong.class)
                .hasMessageContaining("worker.rate.limit.max.wait");

        assertThat(provider.calls).as("at T, T+10 s, ... T+300 s").isEqualTo(31);
        assertThat(clock.instant()).isEqualTo(T.plus(Duration.ofMinutes(5)));
        assertThat(attempts.getLast().outcome()).isEqualTo(ProviderCalls.RATE_LIMIT_WAIT);
    }

    @Test
    void shouldNeverCountA429AgainstTheBreaker() throws Exception {
        ProviderCalls calls = calls(0.0);
        Scripted provider = new Scripted();
        for (int i = 0; i < 40; i++) {
            provider.failing(error(429, Duration.ofSeconds(1)), error(429, Duration.ofSeconds(1)));
            assertThat(calls.call(provider, MINI, job(null), attempts::add)).isEqualTo(OK);
        }

        CircuitBreaker breaker = calls.breaker(MINI);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();
        assertThat(attempts).filteredOn(a -> a.outcome().equals("rate_limited")).hasSize(80);
    }

    @Test
    void shouldStillOpenTheBreakerWhenTheModelFailsWithServerErrorsAfterA429Storm() throws Exception {
        ProviderCalls calls = calls(0.0);
        Scripted provider = new Scripted();
        for (int i = 0; i < 20; i++) {
            provider.failing(error(429, Duration.ofSeconds(1)));
            calls.call(provider, MINI, job(null), attempts::add);
        }
        for (int i = 0; i < 3; i++) {
            provider.failing(error(503, null), error(503, null), error(503, null));
            assertThatThrownBy(() -> calls.call(provider, MINI, job(null), attempts::add))
                    .isInstanceOf(ProviderException.class);
        }
        assertThat(calls.breaker(MINI).getState())
                .as("9 server errors in the last 20 calls")
                .isEqualTo(CircuitBreaker.State.CLOSED);

        provider.failing(error(503, null), error(503, null), error(503, null));

        assertThatThrownBy(() -> calls.call(provider, MINI, job(null), attempts::add))
                .as("the tenth opens it, and its retry is refused: JobRunner moves on to the fallback")
                .isInstanceOf(CallNotPermittedException.class);
        assertThat(calls.breaker(MINI).getState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(attempts.getLast().outcome()).isEqualTo(ProviderCalls.CIRCUIT_OPEN);
    }

    @Test
    void shouldGiveUpAfterTwoRetriesAndThrowTheLastError() {
        Scripted provider = new Scripted().failing(error(500, null), error(502, null), error(503, null));

        assertThatThrownBy(() -> calls(0.0).call(provider, MINI, job(null), attempts::add))
                .isInstanceOfSatisfying(
                        ProviderException.class, e -> assertThat(e.status()).isEqualTo(503));
        assertThat(provider.calls).isEqualTo(3);
        assertThat(sleeps).containsExactly(500L, 1000L);
    }

    @Test
    void shouldNeverRetryAnErrorTheSdksWouldNot() {
        Scripted provider = new Scripted().failing(error(400, null));

        assertThatThrownBy(() -> calls(0.0).call(provider, MINI, job(null), attempts::add))
                .isInstanceOf(ProviderException.class);
        assertThat(provider.calls).isEqualTo(1);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void shouldNotRetryWhenTheWaitWouldReachTheJobsDeadline() throws Exception {
        Scripted provider = new Scripted().failing(error(503, null));

        assertThatThrownBy(() -> calls(0.0).call(provider, MINI, job(T.plusSeconds(5)), attempts::add))
                .isInstanceOf(ProviderException.class);
        assertThat(provider.calls).isEqualTo(1);

        Scripted patient = new Scripted().failing(error(503, Duration.ofSeconds(2)));
        assertThat(calls(0.0).call(patient, MINI, job(T.plusSeconds(5)), attempts::add))
                .isEqualTo(OK);
        assertThat(patient.calls).as("a 2 s Retry-After still fits").isEqualTo(2);
    }

    @Test
    void shouldOpenTheBreakerAfterHalfOfTenCallsFailThenProbeAfterThirtySecondsAndClose() throws Exception {
        ProviderCalls calls = new ProviderCalls(
                new ProviderCalls.Settings(
                        0,
                        Duration.ofSeconds(60),
                        20,
                        10,
                        50f,
                        Duration.ofSeconds(30),
                        ProviderCalls.Settings.DEFAULT_TIME_LIMITS),
                clock,
                () -> 0.0,
                limits());
        CircuitBreaker breaker = calls.breaker(MINI);
        Scripted provider = new Scripted();
        for (int i = 0; i < 5; i++) {
            calls.call(provider, MINI, job(null), attempts::add);
        }
        for (int i = 0; i < 5; i++) {
            provider.failing(error(503, null));
            assertThatThrownBy(() -> calls.call(provider, MINI, job(null), attempts::add))
                    .isInstanceOf(ProviderException.class);
        }
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);

        int before = provider.calls;
        assertThatThrownBy(() -> calls.call(provider, MINI, job(null), attempts::add))
                .isInstanceOf(CallNotPermittedException.class);
        assertThat(provider.calls).as("no call while open").isEqualTo(before);
        assertThat(attempts.getLast().outcome()).isEqualTo(ProviderCalls.CIRCUIT_OPEN);

        clock.advance(Duration.ofSeconds(29));
        assertThatThrownBy(() -> calls.call(provider, MINI, job(null), attempts::add))
                .isInstanceOf(CallNotPermittedException.class);
        clock.advance(Duration.ofSeconds(2));
        for (int i = 0; i < 3; i++) {
            assertThat(calls.call(provider, MINI, job(null), attempts::add)).isEqualTo(OK);
        }
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void shouldNotLetRejectedRequestsOpenTheBreaker() {
        ProviderCalls calls = calls(0.0);
        Scripted provider = new Scripted();
        for (int i = 0; i < 20; i++) {
            provider.failing(error(400, null));
            assertThatThrownBy(() -> calls.call(provider, MINI, job(null), attempts::add))
                    .isInstanceOf(ProviderException.class);
        }
        assertThat(calls.breaker(MINI).getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void shouldCancelACallThatOverrunsItsTiersTimeLimitAndCallItARetryableTimeout() throws Exception {
        ProviderCalls calls = new ProviderCalls(
                new ProviderCalls.Settings(
                        0,
                        Duration.ofSeconds(60),
                        20,
                        10,
                        50f,
                        Duration.ofSeconds(30),
                        Map.of(
                                Tier.SMALL,
                                Duration.ofMillis(100),
                                Tier.MEDIUM,
                                Duration.ofSeconds(60),
                                Tier.LARGE,
                                Duration.ofSeconds(60))),
                clock,
                () -> 0.0,
                limits());
        java.util.concurrent.CountDownLatch interrupted = new java.util.concurrent.CountDownLatch(1);
        ChatProvider hanging = new ChatProvider() {
            @Override
            public String name() {
                return "openai";
            }

            @Override
            public ProviderReply complete(ModelSpec model, LlmJob job) {
                try {
                    new java.util.concurrent.CountDownLatch(1).await(); // blocks until cancelled
                } catch (InterruptedException e) {
                    interrupted.countDown();
                }
                return OK;
            }
        };
        LlmJob small = job(null);
        LlmJob smallTier =
                new LlmJob(small.request(), Tier.SMALL, small.modelChain(), 1, 1, null, null, "", 0, false, false, T);

        assertThatThrownBy(() -> calls.call(hanging, MINI, smallTier, attempts::add))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.outcome()).isEqualTo("timeout");
                    assertThat(e.getMessage()).contains("small tier's limit of 100 ms");
                });
        assertThat(attempts).extracting(Attempt::outcome).containsExactly("timeout");
        assertThat(interrupted.await(10, java.util.concurrent.TimeUnit.SECONDS))
                .as("the call was cancelled")
                .isTrue();
    }

    @Test
    void shouldGiveEachTierItsOwnLimit() {
        ProviderCalls.Settings d = ProviderCalls.Settings.DEFAULTS;
        assertThat(d.timeLimit(Tier.SMALL)).isEqualTo(Duration.ofSeconds(30));
        assertThat(d.timeLimit(Tier.LARGE)).isEqualTo(Duration.ofSeconds(120));
        assertThat(d.timeLimit(Tier.AUTO)).isEqualTo(Duration.ofSeconds(120));
    }
}
