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

    synchronized Duration latency(Duration base, Duration jitter) {
        long jitterNanos = jitter.toNanos();
        long extra = jitterNanos == 0 ? 0 : (long) (random.nextDouble() * jitterNanos);
        return base.plusNanos(extra);
    }
}
