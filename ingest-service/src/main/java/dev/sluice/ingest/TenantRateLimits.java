package dev.sluice.ingest;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Request limits per tenant in this instance: a token bucket each, refilled continuously at the
 * tenant's {@code limits.requestsPerMinute} (else {@code ingest.tenant.requests.per.minute}) and
 * holding {@code ingest.tenant.burst.seconds} of that rate (at least one request). A job takes a
 * token, so a batch of N takes N. A batch larger than the whole bucket is admitted only when the
 * bucket is full, and leaves it in debt, so the long-run rate holds and no batch is refused
 * forever. The limit is per instance: behind a load balancer, K instances admit up to K times it.
 * The clock is injected so that tests do not sleep.
 */
final class TenantRateLimits {
    /** A token is this many units, so that a rate of N per minute refills exactly N units a nanosecond. */
    private static final long UNITS_PER_TOKEN = 60_000_000_000L;
    /** Keeps every product of units in a long: 10^6 a minute for an hour's burst is 3.6 * 10^18. */
    static final int MAX_PER_MINUTE = 1_000_000;

    private final int defaultPerMinute;
    private final int burstSeconds;
    private final LongSupplier nanoTime;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    TenantRateLimits(int defaultPerMinute, int burstSeconds, LongSupplier nanoTime) {
        this.defaultPerMinute = defaultPerMinute;
        this.burstSeconds = burstSeconds;
        this.nanoTime = nanoTime;
    }

    /** What a tenant is held to: requests per minute, and the bucket's size in units. */
    record Limit(int perMinute, long burstUnits) {
        /** The bucket's size in requests, for answers. */
        double burst() {
            return burstUnits / (double) UNITS_PER_TOKEN;
        }
    }

    Limit limitOf(Integer tenantPerMinute) {
        int perMinute = Math.min(
                MAX_PER_MINUTE, tenantPerMinute != null && tenantPerMinute > 0 ? tenantPerMinute : defaultPerMinute);
        return new Limit(perMinute, Math.max(UNITS_PER_TOKEN, perMinute * (long) burstSeconds * 1_000_000_000L));
    }

    /**
     * Takes {@code jobs} tokens from the tenant's bucket: 0 when they were taken, else the
     * nanoseconds until they could be (and nothing is taken).
     */
    long take(String tenantId, Integer tenantPerMinute, int jobs) {
        Limit limit = limitOf(tenantPerMinute);
        long now = nanoTime.getAsLong();
        return buckets.computeIfAbsent(tenantId, t -> new Bucket(limit, now)).take(limit, jobs, now);
    }

    /** A wait as a Retry-After value: whole seconds, rounded up, at least 1. */
    static long retryAfterSeconds(long waitNanos) {
        return Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
    }

    /** Integer arithmetic throughout, so that waiting exactly the answered time is always enough. */
    private static final class Bucket {
        private long units;
        private long last;

        Bucket(Limit limit, long now) {
            this.units = limit.burstUnits();
            this.last = now;
        }

        /** A changed limit applies from now on: tokens already there stay, up to the new size. */
        synchronized long take(Limit limit, int jobs, long now) {
            long elapsed = Math.max(0, now - last);
            last = now;
            long room = Math.max(0, limit.burstUnits() - units);
            // Compared first, so that a long idle time never overflows elapsed * perMinute.
            long refill = elapsed >= Math.ceilDiv(room, limit.perMinute()) ? room : elapsed * limit.perMinute();
            units = Math.min(limit.burstUnits(), units + refill);
            long needed = Math.min(jobs * UNITS_PER_TOKEN, limit.burstUnits());
            if (units >= needed) {
                units -= jobs * UNITS_PER_TOKEN;
                return 0;
            }
            return Math.ceilDiv(needed - units, limit.perMinute());
        }
    }
}
