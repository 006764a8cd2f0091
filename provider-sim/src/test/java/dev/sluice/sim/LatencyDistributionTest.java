package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The sampler alone, over many draws: no request waits for any of these latencies. */
class LatencyDistributionTest {

    private static final int DRAWS = 50_000;

    @Test
    void shouldDrawLogNormalLatencyWithTheConfiguredMedianAndP99() {
        SimConfig config = SimConfig.defaults().withLogNormalLatency(Duration.ofMillis(200), Duration.ofMillis(2_000));

        double[] millis = draws(new Dice(7), config);

        double sigma = Math.log(2_000.0 / 200.0) / Dice.Z_99;
        double p90 = 200 * Math.exp(sigma * 1.2815515655446004); // Φ⁻¹(0.9); about 711 ms
        assertThat(percentile(millis, 0.50)).isCloseTo(200, within(200 * 0.03));
        assertThat(percentile(millis, 0.90)).isCloseTo(p90, within(p90 * 0.04));
        assertThat(percentile(millis, 0.99)).isCloseTo(2_000, within(2_000 * 0.08));
        assertThat(percentile(millis, 0.01)).isCloseTo(200 * 200 / 2_000.0, within(20 * 0.08));
    }

    @Test
    void shouldDrawTheSameLatenciesForTheSameSeed() {
        SimConfig config = SimConfig.defaults()
                .withLogNormalLatency(Duration.ofMillis(50), Duration.ofMillis(400))
                .withLatency(Duration.ofMillis(50), Duration.ofMillis(10));

        assertThat(draws(new Dice(3), config)).isEqualTo(draws(new Dice(3), config));
        assertThat(draws(new Dice(3), config)).isNotEqualTo(draws(new Dice(4), config));
    }

    @Test
    void shouldKeepTheFixedDistributionAsBaseAndUniformJitter() {
        SimConfig config = SimConfig.defaults().withLatency(Duration.ofMillis(100), Duration.ofMillis(50));

        Duration first = new Dice(42).latency(config);
        double[] millis = draws(new Dice(42), config);

        // The draw sequence is the old one: one nextDouble per request, scaled to the jitter.
        assertThat(first)
                .isEqualTo(Duration.ofMillis(100).plusNanos((long) (new Random(42).nextDouble() * 50_000_000L)));
        assertThat(Arrays.stream(millis).min().orElseThrow()).isBetween(100.0, 100.5);
        assertThat(Arrays.stream(millis).max().orElseThrow()).isBetween(149.5, 150.0);
        assertThat(percentile(millis, 0.5)).isCloseTo(125, within(1.0));
    }

    @Test
    void shouldGiveTheMedianEveryTimeWhenP99EqualsIt() {
        SimConfig config = SimConfig.defaults().withLogNormalLatency(Duration.ofMillis(80), Duration.ofMillis(80));

        assertThat(draws(new Dice(1), config)).containsOnly(80.0);
    }

    @Test
    void shouldCapAbsurdTailDraws() {
        assertThat(Dice.logNormal(40, Duration.ofSeconds(1), Duration.ofSeconds(30)))
                .isEqualTo(Dice.MAX_DRAW);
    }

    @Test
    void shouldRejectALogNormalWithoutAUsableMedianOrP99() {
        assertThatThrownBy(
                        () -> SimConfig.defaults().withLogNormalLatency(Duration.ofMillis(300), Duration.ofMillis(100)))
                .hasMessageContaining("latencyP99 must be ≥ latency (the median)");
        assertThatThrownBy(() -> SimConfig.defaults().withLogNormalLatency(Duration.ZERO, Duration.ofMillis(100)))
                .hasMessageContaining("latency (the median) must be at least 1 ms");
    }

    private static double[] draws(Dice dice, SimConfig config) {
        double[] millis = new double[DRAWS];
        for (int i = 0; i < DRAWS; i++) {
            millis[i] = dice.latency(config).toNanos() / 1e6;
        }
        return millis;
    }

    private static double percentile(double[] values, double p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.ceil(p * sorted.length) - 1];
    }
}
