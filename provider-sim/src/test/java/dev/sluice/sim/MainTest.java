package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MainTest {

    @Test
    void shouldPrintTheUsageWithTheCallersNameAndDefaultPortOnHelp() {
        assertThat(Main.asksForHelp(new String[] {"--port", "1", "--help"})).isTrue();
        assertThat(Main.asksForHelp(new String[] {"-h"})).isTrue();
        assertThat(Main.asksForHelp(new String[] {"--port", "1"})).isFalse();
        assertThat(Main.usage("provider-sim", 0)).contains("Usage: provider-sim [options]", "(default 0)");
        assertThat(Main.usage("sluice sim", 18080)).contains("Usage: sluice sim [options]", "(default 18080)");
    }

    @Test
    void shouldBuildTheConfigFromFlags() {
        SimConfig config = Main.parse(new String[] {
            "--host",
            "0.0.0.0",
            "--port",
            "8089",
            "--latency-ms",
            "120",
            "--jitter-ms",
            "30",
            "--tokens-per-second",
            "50.5",
            "--fault",
            "429=0.1",
            "--fault",
            "503=0.05",
            "--api-key",
            "sk-one",
            "--api-key",
            "sk-two",
            "--rpm",
            "500",
            "--tpm",
            "90000",
            "--seed",
            "7",
        });

        assertThat(config.host()).isEqualTo("0.0.0.0");
        assertThat(config.port()).isEqualTo(8089);
        assertThat(config.latency()).isEqualTo(Duration.ofMillis(120));
        assertThat(config.latencyJitter()).isEqualTo(Duration.ofMillis(30));
        assertThat(config.tokensPerSecond()).isEqualTo(50.5);
        assertThat(config.faultRates()).isEqualTo(Map.of(429, 0.1, 503, 0.05));
        assertThat(config.apiKeys()).isEqualTo(Set.of("sk-one", "sk-two"));
        assertThat(config.requestsPerMinute()).isEqualTo(500);
        assertThat(config.tokensPerMinute()).isEqualTo(90_000);
        assertThat(config.seed()).isEqualTo(7);
    }

    @Test
    void shouldReadLatencyDistributionOutagesAndPromptCacheFlagsInAnyOrder() {
        SimConfig config = Main.parse(new String[] {
            "--latency-distribution",
            "lognormal",
            "--latency-p99-ms",
            "2000",
            "--latency-ms",
            "250",
            "--outage",
            "startMs=60000,durationMs=30000,status=529,protocol=anthropic",
            "--outage",
            "startMs=0,durationMs=1000,status=hang,everyMs=600000,model=gpt-4o",
            "--outage",
            "startMs=0,durationMs=30000,status=429,rate=0.5",
            "--prompt-cache",
            "off",
        });

        assertThat(config.latencyDistribution()).isEqualTo(SimConfig.LatencyDistribution.LOG_NORMAL);
        assertThat(config.latency()).isEqualTo(Duration.ofMillis(250));
        assertThat(config.latencyP99()).isEqualTo(Duration.ofMillis(2000));
        assertThat(config.promptCache()).isFalse();
        assertThat(config.outages())
                .containsExactly(
                        Outage.of(Duration.ofMinutes(1), Duration.ofSeconds(30), 529)
                                .onlyFor("anthropic", null),
                        Outage.hang(Duration.ZERO, Duration.ofSeconds(1))
                                .repeatingEvery(Duration.ofMinutes(10))
                                .onlyFor(null, "gpt-4o"),
                        Outage.of(Duration.ZERO, Duration.ofSeconds(30), 429).atRate(0.5));
    }

    @Test
    void shouldReportBadOutageAndLatencyFlags() {
        assertThatThrownBy(() -> Main.parse(new String[] {
                    "--outage",
                    "startMs=0,durationMs=0",
                    "--outage",
                    "oops",
                    "--latency-distribution",
                    "lognormal",
                    "--prompt-cache",
                    "maybe",
                }))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--outage.duration must be at least 1 ms")
                .hasMessageContaining("--outage expects key=value pairs")
                .hasMessageContaining("--prompt-cache expects true or false");
    }

    @Test
    void shouldReadBatchFlagsAndReportBadOnes() {
        SimConfig config = Main.parse(new String[] {
            "--batch-line-expiry-rate", "0.1", "--batch-processing-ms", "3000", "--batch-line-failure-rate", "0.2",
        });

        assertThat(config.batchProcessingTime()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.batchLineFailureRate()).isEqualTo(0.2);
        assertThat(config.batchLineExpiryRate()).isEqualTo(0.1);
        assertThatThrownBy(() -> Main.parse(new String[] {"--batch-processing-ms", "soon"}))
                .hasMessageContaining("--batch-processing-ms expects a number, got 'soon'");
        assertThatThrownBy(() -> Main.parse(new String[] {"--batch-line-failure-rate", "2"}))
                .hasMessageContaining("batchLineFailureRate must be a probability 0..1, got 2.0");
    }

    @Test
    void shouldReportEveryBadFlagTogether() {
        assertThatThrownBy(() -> Main.parse(new String[] {"--port", "eighty", "--fault", "429", "--colour", "blue"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--port expects a number, got 'eighty'")
                .hasMessageContaining("--fault expects STATUS=RATE")
                .hasMessageContaining("unknown option --colour");
    }
}
