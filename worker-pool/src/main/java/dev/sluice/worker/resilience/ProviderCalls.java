package dev.sluice.worker.resilience;

import dev.sluice.model.Attempt;
import dev.sluice.model.CostBasis;
import dev.sluice.model.LlmJob;
import dev.sluice.model.Tier;
import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.worker.provider.ChatProvider;
import dev.sluice.worker.provider.GenAiSpans;
import dev.sluice.worker.provider.ProviderException;
import dev.sluice.worker.provider.ProviderReply;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.core.functions.CheckedSupplier;
import io.github.resilience4j.core.functions.Either;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import io.opentelemetry.api.trace.Span;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;

/**
 * How one model of a job's chain is called. The layers, in the order docs/architecture.md gives
 * {@code Fallback(Retry(CircuitBreaker(RateLimiter(TimeLimiter(call)))))}:
 * <ul>
 *   <li><b>Fallback</b> is {@code JobRunner}'s walk down the model chain;</li>
 *   <li><b>Retry</b> (Resilience4j) retries retryable errors only, with the SDKs' backoff and
 *       the provider's {@code Retry-After}, and never past the job's deadline. A 429 is not
 *       among them: it goes back to the RateLimiter (below), as often as it takes;</li>
 *   <li><b>CircuitBreaker</b> (Resilience4j), one per provider and model: when it is open the
 *       call is not made and the chain moves on at once. Only provider trouble counts: not a
 *       rejected request, and not a 429;</li>
 *   <li><b>RateLimiter</b> ({@link RateLimits}, Bucket4j): the call waits for one request and
 *       its tokens from the model's per-minute limits, this instance's share of them; every
 *       response's rate-limit headers, and every 429, steer the limits. A call answered 429 waits
 *       out the Retry-After (every call of the model does) and is made again, through the
 *       breaker; waiting that would pass the deadline, or {@code worker.rate.limit.max.wait} in
 *       all, moves the chain on, recorded as {@code rate_limit_wait};</li>
 *   <li><b>TimeLimiter</b> (Resilience4j): each call gets the job's tier's time limit; a call
 *       that overruns is cancelled (its virtual thread interrupted) and counts as a retryable
 *       timeout.</li>
 * </ul>
 * Every call that reaches the provider, and every call the breaker refuses, is an attempt. Each
 * call that reaches the provider is also a span ({@link GenAiSpans}), child of the job's.
 */
public final class ProviderCalls {
    /** What an attempt refused by an open breaker is called. */
    public static final String CIRCUIT_OPEN = "circuit_open";
    /** What an attempt is called that the rate limit would not allow before the deadline. */
    public static final String RATE_LIMIT_WAIT = "rate_limit_wait";
    /** The longest backoff the SDKs wait between retries. */
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(8);

    private final Settings settings;
    private final Clock clock;
    private final DoubleSupplier random;
    private final CircuitBreakerRegistry breakers;
    private final RateLimits rateLimits;
    private final ExecutorService calling = Executors.newVirtualThreadPerTaskExecutor();

    /**
     * @param retries retries after the first call of one model (the SDKs' default is 2)
     * @param maxRetryAfter the longest provider Retry-After honoured; after another error, a longer
     *     one falls back to the backoff (Anthropic's SDK honours up to 60 s); after a 429, the model
     *     is held this long at most
     * @param breakerWindow calls the breaker judges over
     * @param breakerMinimumCalls calls before it judges at all
     * @param breakerFailureRate percent of failed calls that open it
     * @param breakerOpenFor how long it stays open before letting trial calls through
     * @param timeLimits the longest one call may take, per tier
     */
    public record Settings(
            int retries,
            Duration maxRetryAfter,
            int breakerWindow,
            int breakerMinimumCalls,
            float breakerFailureRate,
            Duration breakerOpenFor,
            Map<Tier, Duration> timeLimits) {
        public static final Map<Tier, Duration> DEFAULT_TIME_LIMITS = Map.of(
                Tier.SMALL,
                Duration.ofSeconds(30),
                Tier.MEDIUM,
                Duration.ofSeconds(60),
                Tier.LARGE,
                Duration.ofSeconds(120));
        public static final Settings DEFAULTS =
                new Settings(2, Duration.ofSeconds(60), 20, 10, 50f, Duration.ofSeconds(30), DEFAULT_TIME_LIMITS);

        public Settings {
            timeLimits = Map.copyOf(timeLimits);
        }

        /** The time limit of a tier; AUTO never reaches a worker, but is given the largest. */
        public Duration timeLimit(Tier tier) {
            return timeLimits.getOrDefault(
                    tier, timeLimits.values().stream().max(Duration::compareTo).orElse(Duration.ofSeconds(120)));
        }
    }

    public ProviderCalls(Settings settings, Clock clock) {
        this(settings, clock, new RateLimits(clock, d -> Thread.sleep(d), Duration.ofMinutes(5)));
    }

    public ProviderCalls(Settings settings, Clock clock, RateLimits rateLimits) {
        this(settings, clock, () -> ThreadLocalRandom.current().nextDouble(), rateLimits);
    }

    ProviderCalls(Settings settings, Clock clock, DoubleSupplier random) {
        this(settings, clock, random, new RateLimits(clock, d -> Thread.sleep(d), Duration.ofMinutes(5)));
    }

    ProviderCalls(Settings settings, Clock clock, DoubleSupplier random, RateLimits rateLimits) {
        this.rateLimits = rateLimits;
        this.settings = settings;
        this.clock = clock;
        this.random = random;
        this.breakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(settings.breakerWindow())
                .minimumNumberOfCalls(settings.breakerMinimumCalls())
                .failureRateThreshold(settings.breakerFailureRate())
                .waitDurationInOpenState(settings.breakerOpenFor())
                .permittedNumberOfCallsInHalfOpenState(3)
                // Provider trouble counts against the breaker. A request the provider rejects does
                // not, and neither does a 429: the key is over its limit, the provider is fine, and
                // an open breaker would send a storm of 429s on to the fallbacks and fail its jobs.
                .recordException(e -> e instanceof ProviderException p && p.retryable() && !rateLimitedOnly(p))
                .ignoreException(e -> e instanceof ProviderException p && (!p.retryable() || rateLimitedOnly(p))
                        || e instanceof RateLimits.WaitTooLong)
                .clock(clock)
                .build());
    }

    /**
     * Calls {@code model} for the job, retrying as above. Throws the last ProviderException when
     * the retries are spent or the error is not retryable, CallNotPermittedException when the
     * model's breaker is open, and WaitTooLong when the model's rate limit (429s included) would
     * not let the call through before the deadline or within {@code worker.rate.limit.max.wait}.
     */
    public ProviderReply call(ChatProvider provider, ModelSpec model, LlmJob job, Consumer<Attempt> attempts)
            throws ProviderException {
        CircuitBreaker breaker = breaker(model);
        Instant deadline = job.request().deadline();
        Instant waitingSince = clock.instant();
        Retry retry = Retry.of(
                provider.name() + "/" + model.name() + "/" + job.requestId(),
                RetryConfig.<ProviderReply>custom()
                        .maxAttempts(1 + settings.retries())
                        .retryOnException(
                                e -> e instanceof ProviderException p && p.retryable() && beforeDeadline(p, deadline))
                        .intervalBiFunction((Integer attempt, Either<Throwable, ProviderReply> outcome) -> delay(
                                        attempt, outcome.isLeft() ? outcome.getLeft() : null)
                                .toMillis())
                        .build());
        Duration limit = settings.timeLimit(job.tier());
        TimeLimiter timeLimiter = TimeLimiter.of(TimeLimiterConfig.custom()
                .timeoutDuration(limit)
                .cancelRunningFuture(true)
                .build());
        long tokens =
                (long) job.estimatedInputTokens() + Math.max(0, job.request().maxOutputTokens());
        CheckedSupplier<ProviderReply> once = () -> {
            waitForRateLimit(model, tokens, deadline, waitingSince, attempts);
            Instant start = clock.instant();
            Span span = GenAiSpans.call(model, job.request().maxOutputTokens());
            try {
                ProviderReply reply = limited(timeLimiter, limit, job, () -> provider.complete(model, job));
                rateLimits.observe(model, reply.rateLimits());
                attempts.accept(new Attempt(
                        model.provider(),
                        model.name(),
                        Attempt.OK,
                        reply.httpStatus(),
                        clock.millis() - start.toEpochMilli(),
                        start));
                GenAiSpans.answered(span, model, reply, CostBasis.SYNC);
                return reply;
            } catch (ProviderException e) {
                GenAiSpans.failed(span, e);
                if (!rateLimitedOnly(e)) {
                    rateLimits.observe(model, e.rateLimits());
                }
                attempts.accept(new Attempt(
                        model.provider(),
                        model.name(),
                        e.outcome(),
                        e.status() == 0 ? null : e.status(),
                        clock.millis() - start.toEpochMilli(),
                        start));
                throw e;
            } finally {
                span.end();
            }
        };
        CheckedSupplier<ProviderReply> guarded = CircuitBreaker.decorateCheckedSupplier(breaker, once);
        CheckedSupplier<ProviderReply> admitted = () -> {
            try {
                return guarded.get();
            } catch (CallNotPermittedException e) {
                attempts.accept(new Attempt(model.provider(), model.name(), CIRCUIT_OPEN, null, 0, clock.instant()));
                throw e;
            }
        };
        try {
            return Retry.decorateCheckedSupplier(retry, () -> untilNotRateLimited(model, admitted))
                    .get();
        } catch (ProviderException | RuntimeException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("unexpected failure calling " + model.name(), e);
        }
    }

    /**
     * The call again after each 429, once the model's rate limit lets it through: a 429 says the
     * key is over its limit, not that the provider is failing, so it neither spends a retry nor
     * counts against the breaker. The wait is the provider's Retry-After, else the SDKs' backoff,
     * and it holds every call of the model, not just this one. What ends it is the rate limiter's
     * bound (the deadline, or {@code worker.rate.limit.max.wait} since the first call), which
     * throws WaitTooLong, or a breaker opened meanwhile by real failures.
     */
    private ProviderReply untilNotRateLimited(ModelSpec model, CheckedSupplier<ProviderReply> call) throws Throwable {
        for (int refused = 1; ; refused++) {
            try {
                return call.get();
            } catch (ProviderException e) {
                if (!rateLimitedOnly(e)) {
                    throw e;
                }
                // A Retry-After longer than worker.max.retry.after holds the model that long, not an hour.
                Duration retryAfter = e.retryAfter() != null && e.retryAfter().isPositive()
                        ? min(e.retryAfter(), settings.maxRetryAfter())
                        : delay(refused, null);
                rateLimits.rateLimited(model, retryAfter, e.rateLimits());
            }
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** A 429 that waiting cures; one the provider says not to retry (insufficient quota) is not. */
    private static boolean rateLimitedOnly(ProviderException e) {
        return e.status() == 429 && e.retryable();
    }

    private void waitForRateLimit(
            ModelSpec model, long tokens, Instant deadline, Instant waitingSince, Consumer<Attempt> attempts)
            throws ProviderException {
        try {
            rateLimits.acquire(model, tokens, deadline, waitingSince);
        } catch (RateLimits.WaitTooLong e) {
            attempts.accept(new Attempt(model.provider(), model.name(), RATE_LIMIT_WAIT, null, 0, clock.instant()));
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderException(
                    0, "interrupted", null, "interrupted while waiting for the rate limit", true, null);
        }
    }

    /** The limits this instance applies; their share follows the partitions it owns. */
    public RateLimits rateLimits() {
        return rateLimits;
    }

    /** The call on its own virtual thread, cancelled when it overruns the tier's limit. */
    private ProviderReply limited(TimeLimiter limiter, Duration limit, LlmJob job, Callable<ProviderReply> call)
            throws ProviderException {
        try {
            return limiter.executeFutureSupplier(() -> calling.submit(call));
        } catch (TimeoutException e) {
            throw new ProviderException(
                    0,
                    "timeout",
                    null,
                    "no answer within the " + job.tier().name().toLowerCase(java.util.Locale.ROOT) + " tier's limit of "
                            + limit.toMillis() + " ms",
                    true,
                    null);
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        } catch (ProviderException | RuntimeException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderException(0, "interrupted", null, "call interrupted", true, null);
        } catch (Exception e) {
            throw unwrap(e);
        }
    }

    private static ProviderException unwrap(Throwable cause) {
        if (cause instanceof ProviderException p) {
            return p;
        }
        if (cause instanceof RuntimeException r) {
            throw r;
        }
        if (cause instanceof Error err) {
            throw err;
        }
        throw new IllegalStateException(cause);
    }

    /** Every model's breaker, named {@code provider/model}, as they are made (for metrics). */
    public CircuitBreakerRegistry breakers() {
        return breakers;
    }

    /** The breaker of one provider and model. */
    public CircuitBreaker breaker(ModelSpec model) {
        return breakers.circuitBreaker(model.provider() + "/" + model.name());
    }

    /**
     * The wait before retry number {@code attempt} (1 for the first retry): the provider's
     * Retry-After when it sent one no longer than {@code maxRetryAfter}, else the SDKs' backoff,
     * {@code min(0.5 s * 2^(attempt-1), 8 s)} times a jitter between 0.75 and 1.
     */
    Duration delay(int attempt, Throwable error) {
        Duration retryAfter = error instanceof ProviderException p ? honouredRetryAfter(p) : null;
        if (retryAfter != null) {
            return retryAfter;
        }
        double seconds = Math.min(0.5 * Math.pow(2, attempt - 1), MAX_BACKOFF.toMillis() / 1000.0);
        double jitter = 1 - 0.25 * random.getAsDouble();
        return Duration.ofMillis(Math.round(seconds * jitter * 1000));
    }

    /** Whether waiting the longest possible delay still leaves the job before its deadline. */
    private boolean beforeDeadline(ProviderException e, Instant deadline) {
        if (deadline == null) {
            return true;
        }
        Duration retryAfter = honouredRetryAfter(e);
        Duration longest = retryAfter != null ? retryAfter : MAX_BACKOFF;
        return clock.instant().plus(longest).isBefore(deadline);
    }

    /** The provider's Retry-After when it sent a positive one no longer than {@code maxRetryAfter}; else null. */
    private Duration honouredRetryAfter(ProviderException e) {
        Duration d = e.retryAfter();
        return d != null && d.isPositive() && d.compareTo(settings.maxRetryAfter()) <= 0 ? d : null;
    }
}
