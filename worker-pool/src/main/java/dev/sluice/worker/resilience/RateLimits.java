package dev.sluice.worker.resilience;

import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.worker.provider.RateLimitHeaders;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.TokensInheritanceStrategy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The RateLimiter layer: requests and tokens per minute for each provider model, token buckets
 * from Bucket4j. The limits are the API key's, shared by every worker: the catalogue's
 * {@code rpm}/{@code tpm} until the provider's headers say otherwise. This instance takes its
 * share in proportion to the job partitions it owns ({@link #share(int, int)}, called on every
 * rebalance), so N instances together stay within the key's limit without talking to each other.
 *
 * <p>A call takes one request and its token estimate (input estimate plus the output cap, as
 * providers count it on admission), waiting on its virtual thread until both are there. The
 * provider's headers steer the buckets: the limit it reports replaces the catalogue's, and when it
 * reports less remaining than this instance's share of it, the surplus is taken out of the bucket,
 * so sending slows down before a 429 rather than after. A 429 stops every call of that model until
 * its {@code Retry-After} (or the reported reset) has passed; the refused call then waits here
 * again, up to {@code maxWait} in all, rather than failing.
 *
 * <p>Tenants' plan limits ({@link #tryStartTenant}) use the same buckets and the same share, but
 * never wait: a tenant over its rate is passed over by the fair queue until it has room, so its
 * jobs hold no slot while they wait.
 */
public final class RateLimits {
    /** How a waiting call sleeps; tests move a clock instead. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    /** No call can be made before the job's deadline: the chain moves on, as with an open breaker. */
    public static final class WaitTooLong extends RuntimeException {
        WaitTooLong(String message) {
            super(message, null, false, false);
        }
    }

    /** Hears what the limits do, for metrics: each admitted call's wait, each give-up, each response's headers. */
    public interface Observer {
        Observer NONE = new Observer() {};

        /** A call of the model was let through after waiting this long (zero: at once). */
        default void waited(ModelSpec model, Duration waited) {}

        /** A call of the model was not made: its wait would have passed the deadline or the longest wait. */
        default void gaveUp(ModelSpec model) {}

        /** What a response of the model (a 429 included) said about the key's limits. */
        default void headers(ModelSpec model, RateLimitHeaders headers) {}
    }

    private static final Duration MINUTE = Duration.ofMinutes(1);
    /**
     * The largest per-minute limit a bucket holds: ten billion, far above any provider's, and
     * within Bucket4j's highest refill rate (one token a nanosecond). Larger limits are this.
     */
    static final long MAX_PER_MINUTE = 10_000_000_000L;

    private final Clock clock;
    private final Sleeper sleeper;
    private final Duration maxWait;
    private final TimeMeter meter;
    private final Map<String, Limit> limits = new ConcurrentHashMap<>();
    private volatile double share = 1.0;
    private volatile Observer observer = Observer.NONE;

    /**
     * @param maxWait the longest one call waits for the limit (the deadline may cut it shorter);
     *     past it the chain moves on to the next model
     */
    public RateLimits(Clock clock, Sleeper sleeper, Duration maxWait) {
        this.clock = clock;
        this.sleeper = sleeper;
        this.maxWait = maxWait;
        this.meter = new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                return clock.millis() * 1_000_000L;
            }

            @Override
            public boolean isWallClockBased() {
                return false;
            }
        };
    }

    /** Real time and real sleeps. */
    public static RateLimits system(Duration maxWait) {
        return new RateLimits(Clock.systemUTC(), d -> Thread.sleep(d), maxWait);
    }

    /**
     * This instance owns {@code owned} of the {@code total} partitions of its job topics: it takes
     * that share of every limit from now on. Tokens already in a bucket scale with it.
     */
    public void share(int owned, int total) {
        double s = total <= 0 ? 1.0 : Math.max(0, Math.min(1.0, (double) owned / total));
        if (s != share) {
            share = s;
            limits.values().forEach(Limit::resize);
        }
    }

    public double share() {
        return share;
    }

    public RateLimits observedBy(Observer observer) {
        this.observer = observer;
        return this;
    }

    /** Waits until the model may be called with {@code tokens}; throws WaitTooLong if that would pass the deadline. */
    public Duration acquire(ModelSpec model, long tokens, Instant deadline) throws InterruptedException {
        return acquire(model, tokens, deadline, clock.instant());
    }

    /**
     * Waits until the model may be called with {@code tokens}. The wait is bounded by the
     * deadline and by {@code maxWait} counted from {@code waitingSince}: a job that keeps being
     * answered 429 comes back here after each one, and {@code maxWait} caps all those waits
     * together, not each. Throws WaitTooLong when the model could not be called within them.
     */
    public Duration acquire(ModelSpec model, long tokens, Instant deadline, Instant waitingSince)
            throws InterruptedException {
        Limit limit = limit(model);
        long start = clock.millis();
        long latest = waitingSince.toEpochMilli() + maxWait.toMillis();
        if (deadline != null) {
            latest = Math.min(latest, deadline.toEpochMilli());
        }
        while (true) {
            long now = clock.millis();
            long wait = limit.tryTake(tokens, now);
            if (wait == 0) {
                Duration waited = Duration.ofMillis(now - start);
                observer.waited(model, waited);
                return waited;
            }
            if (now + wait > latest) {
                observer.gaveUp(model);
                throw new WaitTooLong(key(model) + ": its rate limit leaves no room for this call within "
                        + Duration.ofMillis(Math.max(0, latest - waitingSince.toEpochMilli()))
                                .toSeconds() + " s"
                        + (deadline != null && deadline.toEpochMilli() == latest
                                ? " (the job's deadline)"
                                : " of waiting (worker.rate.limit.max.wait)"));
            }
            sleeper.sleep(Duration.ofMillis(Math.max(1, wait)));
        }
    }

    /** What a response's headers said: the key's real limit and what is left of it. */
    public void observe(ModelSpec model, RateLimitHeaders headers) {
        if (headers != null && !headers.isEmpty()) {
            limit(model).observe(headers, clock.millis());
            observer.headers(model, headers);
        }
    }

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RateLimits.class);

    /**
     * A 429: no call of this model until its {@code Retry-After} (ProviderCalls passes its own
     * backoff when the provider sent none), or the reset of the limit the headers say is spent,
     * has passed. A 429 is the key's limit, shared by every call of the model, so every call
     * waits, not only the one that was refused.
     */
    public void rateLimited(ModelSpec model, Duration retryAfter, RateLimitHeaders headers) {
        Limit limit = limit(model);
        long now = clock.millis();
        RateLimitHeaders h = headers == null ? RateLimitHeaders.NONE : headers;
        limit.observe(h, now);
        observer.headers(model, h);
        if (retryAfter != null && retryAfter.isPositive()) {
            limit.blockUntil(now + retryAfter.toMillis());
        } else if (h.tokensRemaining() != null && h.tokensRemaining() == 0 && h.tokensReset() != null) {
            limit.blockUntil(now + h.tokensReset().toMillis());
        }
    }

    /**
     * Whether a job of this tenant, needing {@code tokens}, may start now under the tenant's plan
     * limits ({@code rpm}/{@code tpm} per minute, null for none), this instance's share of them;
     * if so, they are taken. Does not wait: the fair queue asks again and serves others meanwhile.
     */
    public boolean tryStartTenant(String tenant, Integer rpm, Long tpm, long tokens) {
        long r = rpm == null ? 0 : rpm;
        long t = tpm == null ? 0 : tpm;
        if (r <= 0 && t <= 0) {
            return true;
        }
        Limit limit = limits.computeIfAbsent("tenant:" + tenant + ":" + r + ":" + t, k -> new Limit(r, t));
        return limit.tryTake(tokens, clock.millis()) == 0;
    }

    /** Requests this instance may send to the model right now (for tests and metrics). */
    public long availableRequests(ModelSpec model) {
        return limit(model).requests.getAvailableTokens();
    }

    /** Tokens this instance may send to the model right now. */
    public long availableTokens(ModelSpec model) {
        return limit(model).tokens.getAvailableTokens();
    }

    /** The per-minute limits of the whole key as this instance knows them now: {requests, tokens}. */
    public long[] keyLimits(ModelSpec model) {
        Limit l = limit(model);
        return new long[] {l.rpm, l.tpm};
    }

    private Limit limit(ModelSpec model) {
        return limits.computeIfAbsent(
                key(model),
                k -> new Limit(Math.max(1, model.requestsPerMinute()), Math.max(1, model.tokensPerMinute())));
    }

    private static String key(ModelSpec model) {
        return model.provider() + "/" + model.name();
    }

    private static BucketConfiguration perMinute(long capacity) {
        return BucketConfiguration.builder()
                .addLimit(l -> l.capacity(capacity).refillGreedy(capacity, MINUTE))
                .build();
    }

    /**
     * One model's (or tenant's) buckets. A limit of 0 or less is no limit: no bucket. The key's
     * limits may change with headers, the share on rebalances.
     */
    private final class Limit {
        volatile long rpm;
        volatile long tpm;
        final Bucket requests;
        final Bucket tokens;
        volatile long blockedUntil;

        Limit(long rpm, long tpm) {
            this.rpm = rpm;
            this.tpm = tpm;
            this.requests = rpm <= 0
                    ? null
                    : Bucket.builder()
                            .addLimit(l -> l.capacity(mine(rpm)).refillGreedy(mine(rpm), MINUTE))
                            .withCustomTimePrecision(meter)
                            .build();
            this.tokens = tpm <= 0
                    ? null
                    : Bucket.builder()
                            .addLimit(l -> l.capacity(mine(tpm)).refillGreedy(mine(tpm), MINUTE))
                            .withCustomTimePrecision(meter)
                            .build();
        }

        long mine(long keyLimit) {
            return Math.max(1, (long) Math.floor(Math.min(keyLimit, MAX_PER_MINUTE) * share));
        }

        synchronized void resize() {
            if (requests != null) {
                requests.replaceConfiguration(perMinute(mine(rpm)), TokensInheritanceStrategy.PROPORTIONALLY);
            }
            if (tokens != null) {
                tokens.replaceConfiguration(perMinute(mine(tpm)), TokensInheritanceStrategy.PROPORTIONALLY);
            }
        }

        /** 0 when one request and the tokens were taken; else the milliseconds to wait first. */
        long tryTake(long wanted, long now) {
            long blocked = blockedUntil - now;
            if (blocked > 0) {
                return blocked;
            }
            if (requests != null) {
                ConsumptionProbe r = requests.tryConsumeAndReturnRemaining(1);
                if (!r.isConsumed()) {
                    return nanosToMillis(r.getNanosToWaitForRefill());
                }
            }
            if (tokens != null) {
                // A call larger than this instance's whole share still goes, alone, with a full bucket.
                long n = Math.max(1, Math.min(wanted, mine(tpm)));
                ConsumptionProbe t = tokens.tryConsumeAndReturnRemaining(n);
                if (!t.isConsumed()) {
                    if (requests != null) {
                        requests.addTokens(1);
                    }
                    return nanosToMillis(t.getNanosToWaitForRefill());
                }
            }
            return 0;
        }

        synchronized void observe(RateLimitHeaders h, long now) {
            try {
                adapt(h, now);
            } catch (RuntimeException e) {
                // Steering by headers is an optimisation: odd headers must never fail a job.
                log.warn("Rate-limit headers not applied ({}): {}", h, e.getMessage());
            }
        }

        private void adapt(RateLimitHeaders h, long now) {
            boolean resized = false;
            if (requests != null && h.requestLimit() != null && h.requestLimit() > 0 && h.requestLimit() != rpm) {
                rpm = h.requestLimit();
                resized = true;
            }
            if (tokens != null && h.tokenLimit() != null && h.tokenLimit() > 0 && h.tokenLimit() != tpm) {
                tpm = h.tokenLimit();
                resized = true;
            }
            if (resized) {
                resize();
            }
            drainTo(requests, h.requestsRemaining());
            drainTo(tokens, h.tokensRemaining());
            if (h.requestsRemaining() != null && h.requestsRemaining() == 0 && h.requestsReset() != null) {
                blockUntil(now + h.requestsReset().toMillis());
            }
        }

        /** Leaves at most this instance's share of what the provider says is left. */
        private void drainTo(Bucket bucket, Long remaining) {
            if (bucket == null || remaining == null) {
                return;
            }
            long allowed = (long) Math.floor(Math.max(0, remaining) * share);
            long surplus = bucket.getAvailableTokens() - allowed;
            if (surplus > 0) {
                bucket.tryConsume(surplus);
            }
        }

        void blockUntil(long until) {
            if (until > blockedUntil) {
                blockedUntil = until;
            }
        }

        private static long nanosToMillis(long nanos) {
            return Math.max(1, (nanos + 999_999) / 1_000_000);
        }
    }
}
