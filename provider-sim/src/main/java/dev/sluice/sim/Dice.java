package dev.sluice.sim;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;

/**
 * The random draws behind faults and latency, from one seeded {@link Random} so that a run of
 * sequential requests sees the same faults every time. Concurrent requests draw in arrival
 * order, which is as reproducible as the arrival order is.
 */
final class Dice {

    /** Φ⁻¹(0.99): a log-normal's p99 sits this many sigmas above its median on the log scale. */
    static final double Z_99 = 2.3263478740408408;
    // A long tail is the point of log-normal, but one absurd draw should not park a request for hours.
    static final Duration MAX_DRAW = Duration.ofMinutes(10);

    private final Random random;

    Dice(long seed) {
        this.random = new Random(seed);
    }

    /** One uniform draw walked over the rates in status order; rates sum to ≤ 1 (validated). */
    synchronized OptionalInt fault(Map<Integer, Double> rates) {
        if (rates.isEmpty()) {
            return OptionalInt.empty();
        }
        double draw = random.nextDouble();
        double upTo = 0;
        for (var rate : rates.entrySet()) {
            upTo += rate.getValue();
            if (draw < upTo) {
                return OptionalInt.of(rate.getKey());
            }
        }
        return OptionalInt.empty();
    }

    /** One uniform draw: true with probability {@code p}. */
    synchronized boolean chance(double p) {
        return random.nextDouble() < p;
    }

    /** Time to first byte under the config's distribution, plus uniform jitter. */
    synchronized Duration latency(SimConfig config) {
        Duration base = config.latencyDistribution() == SimConfig.LatencyDistribution.LOG_NORMAL
                ? logNormal(random.nextGaussian(), config.latency(), config.latencyP99())
                : config.latency();
        long jitterNanos = config.latencyJitter().toNanos();
        long extra = jitterNanos == 0 ? 0 : (long) (random.nextDouble() * jitterNanos);
        return base.plusNanos(extra);
    }

    /** median · e^(σ·z) with σ = ln(p99 / median) / Φ⁻¹(0.99), so P(X ≤ p99) = 0.99 exactly. */
    static Duration logNormal(double standardNormal, Duration median, Duration p99) {
        double medianNanos = median.toNanos();
        double sigma = Math.log(p99.toNanos() / medianNanos) / Z_99;
        double nanos = medianNanos * Math.exp(sigma * standardNormal);
        return nanos >= MAX_DRAW.toNanos() ? MAX_DRAW : Duration.ofNanos((long) nanos);
    }
}
