package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SimConfigTest {

    @Test
    void shouldDefaultToAnInstantFaultFreeSimulatorOnAFreeLoopbackPort() {
        SimConfig config = SimConfig.defaults();

        assertThat(config.host()).isEqualTo("127.0.0.1");
        assertThat(config.port()).isZero();
        assertThat(config.latency()).isZero();
        assertThat(config.latencyJitter()).isZero();
        assertThat(config.tokensPerSecond()).isZero();
        assertThat(config.faultRates()).isEmpty();
        assertThat(config.apiKeys()).isEmpty();
        assertThat(config.retryAfter()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void shouldReportEveryInvalidSettingAtOnce() {
        assertThatThrownBy(() -> new SimConfig(
                        " ",
                        70_000,
                        Duration.ofMillis(-1),
                        Duration.ofMillis(-2),
                        SimConfig.LatencyDistribution.FIXED,
                        Duration.ZERO,
                        Double.NaN,
                        Map.of(200, 0.5, 503, 1.5),
                        List.of(),
                        Set.of(""),
                        1,
                        0,
                        0,
                        Duration.ZERO,
                        true,
                        Duration.ofSeconds(10),
                        0.0,
                        0.0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host must not be blank")
                .hasMessageContaining("port must be 0..65535")
                .hasMessageContaining("latency must not be negative")
                .hasMessageContaining("latencyJitter must not be negative")
                .hasMessageContaining("tokensPerSecond must be a finite number")
                .hasMessageContaining("faultRates key must be an HTTP error status 400..599, got 200")
                .hasMessageContaining("faultRates[503] must be a probability 0..1")
                .hasMessageContaining("apiKeys must not contain blank keys")
                .hasMessageContaining("requestsPerMinute must be ≥ 1")
                .hasMessageContaining("tokensPerMinute must be ≥ 1");
    }

    @Test
    void shouldDefaultToFixedLatencyNoOutagesAndPromptCacheOn() {
        SimConfig config = SimConfig.defaults();

        assertThat(config.latencyDistribution()).isEqualTo(SimConfig.LatencyDistribution.FIXED);
        assertThat(config.outages()).isEmpty();
        assertThat(config.promptCache()).isTrue();
        assertThat(config.requestsPerMinute()).isEqualTo(SimConfig.DEFAULT_REQUESTS_PER_MINUTE);
    }

    @Test
    void shouldReportEveryInvalidOutageNamingItsPosition() {
        List<Outage> outages = List.of(
                Outage.of(Duration.ZERO, Duration.ofSeconds(10), 503),
                Outage.of(Duration.ofSeconds(-1), Duration.ZERO, 302)
                        .repeatingEvery(Duration.ofMillis(-5))
                        .onlyFor("bedrock", null));

        assertThatThrownBy(() -> SimConfig.defaults().withOutages(outages))
                .hasMessageContaining("outages[1].start must be ≥ 0")
                .hasMessageContaining("outages[1].duration must be at least 1 ms")
                .hasMessageContaining("outages[1].status must be an HTTP error status 400..599 or hang, got 302")
                .hasMessageContaining("outages[1].every must be 0 (once) or at least the duration")
                .hasMessageContaining("outages[1].protocol must be openai or anthropic, got 'bedrock'")
                .message()
                .doesNotContain("outages[0]");
    }

    @Test
    void shouldCoverOnlyInsideEachWindowOfARepeatingOutage() {
        Outage outage =
                Outage.of(Duration.ofSeconds(10), Duration.ofSeconds(5), 503).repeatingEvery(Duration.ofMinutes(1));

        assertThat(outage.covers(Duration.ofMillis(9_999), "openai", "m")).isFalse();
        assertThat(outage.covers(Duration.ofSeconds(10), "openai", "m")).isTrue();
        assertThat(outage.covers(Duration.ofMillis(14_999), "anthropic", "m")).isTrue();
        assertThat(outage.covers(Duration.ofSeconds(15), "openai", "m")).isFalse();
        assertThat(outage.covers(Duration.ofSeconds(70), "openai", "m")).isTrue();
        assertThat(outage.covers(Duration.ofSeconds(75), "openai", "m")).isFalse();
    }

    @Test
    void shouldDefaultToTenSecondBatchesWithoutLineFailures() {
        SimConfig config = SimConfig.defaults();

        assertThat(config.batchProcessingTime()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.batchLineFailureRate()).isZero();
        assertThat(config.batchLineExpiryRate()).isZero();
    }

    @Test
    void shouldReportEveryInvalidBatchSettingAtOnce() {
        SimConfig d = SimConfig.defaults();
        assertThatThrownBy(() -> new SimConfig(
                        d.host(),
                        d.port(),
                        d.latency(),
                        d.latencyJitter(),
                        d.latencyDistribution(),
                        d.latencyP99(),
                        d.tokensPerSecond(),
                        d.faultRates(),
                        d.outages(),
                        d.apiKeys(),
                        d.seed(),
                        d.requestsPerMinute(),
                        d.tokensPerMinute(),
                        d.retryAfter(),
                        d.promptCache(),
                        Duration.ofMillis(-1),
                        1.5,
                        Double.NaN))
                .hasMessageContaining("batchProcessingTime must not be negative")
                .hasMessageContaining("batchLineFailureRate must be a probability 0..1, got 1.5")
                .hasMessageContaining("batchLineExpiryRate must be a probability 0..1, got NaN");
        assertThatThrownBy(() -> SimConfig.defaults().withBatchProcessingTime(Duration.ofHours(25)))
                .hasMessageContaining("batchProcessingTime must be at most 24h");
        assertThatThrownBy(() -> SimConfig.defaults().withBatchLineRates(0.6, 0.5))
                .hasMessageContaining("batchLineFailureRate + batchLineExpiryRate must be at most 1");
        assertThat(SimConfig.defaults().withBatchLineRates(0.5, 0.5).batchLineExpiryRate())
                .isEqualTo(0.5);
    }

    @Test
    void shouldRejectFaultRatesThatSumAboveOne() {
        assertThatThrownBy(() -> SimConfig.defaults().withFaultRates(Map.of(429, 0.6, 500, 0.5)))
                .hasMessageContaining("faultRates must sum to at most 1");
    }

    @Test
    void shouldAcceptAnyNonEmptyKeyWhenNoKeysAreConfigured() {
        SimConfig open = SimConfig.defaults();
        SimConfig locked = open.withApiKeys(Set.of("sk-good"));

        assertThat(open.acceptsKey("anything")).isTrue();
        assertThat(open.acceptsKey("")).isFalse();
        assertThat(locked.acceptsKey("sk-good")).isTrue();
        assertThat(locked.acceptsKey("sk-bad")).isFalse();
    }

    @Test
    void shouldCopyCollectionsSoCallersCannotChangeARunningConfig() {
        java.util.HashMap<Integer, Double> rates = new java.util.HashMap<>(Map.of(503, 0.1));
        SimConfig config = SimConfig.defaults().withFaultRates(rates);

        rates.put(500, 0.5);

        assertThat(config.faultRates()).containsOnlyKeys(503);
    }
}
