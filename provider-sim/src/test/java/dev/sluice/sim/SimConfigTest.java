package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
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
        assertThatThrownBy(() -> new SimConfig(" ", 70_000, Duration.ofMillis(-1), Duration.ofMillis(-2), Double.NaN,
                Map.of(200, 0.5, 503, 1.5), Set.of(""), 1, 0, 0, Duration.ZERO))
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
