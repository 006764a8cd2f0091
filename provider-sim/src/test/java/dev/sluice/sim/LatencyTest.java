package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Lower bounds only: the build machine is shared, so an upper bound would flake. */
class LatencyTest {

    private static ProviderSimulator simulator;
    private static SimHttp http;

    @BeforeAll
    static void start() {
        simulator = ProviderSimulator.start(SimConfig.defaults());
        http = new SimHttp(simulator);
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    @BeforeEach
    void reset() {
        simulator.update(SimConfig.defaults());
    }

    @Test
    void shouldWaitAtLeastTheConfiguredLatencyForOpenAi() {
        simulator.update(SimConfig.defaults().withLatency(Duration.ofMillis(300), Duration.ZERO));

        Duration took = time(() ->
                assertThat(http.openAi(SimHttp.openAiBody("slow")).status()).isEqualTo(200));

        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }

    @Test
    void shouldWaitAtLeastTheConfiguredLatencyForAnthropicStreams() {
        simulator.update(SimConfig.defaults().withLatency(Duration.ofMillis(300), Duration.ofMillis(50)));
        String body = SimHttp.anthropicBody("slow stream").replace("{\"model\"", "{\"stream\":true,\"model\"");

        Duration took = time(() -> assertThat(http.anthropic(body).status()).isEqualTo(200));

        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }

    @Test
    void shouldHonourThePerRequestLatencyHeader() {
        Duration took = time(() -> assertThat(http.openAi(SimHttp.openAiBody("header"), "x-sim-latency-ms", "250")
                        .status())
                .isEqualTo(200));

        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(250));
    }

    @Test
    void shouldTakeOutputTokensOverTokensPerSecond() {
        simulator.update(SimConfig.defaults().withTokensPerSecond(100));
        // Warm-up request to learn how many output tokens this prompt produces.
        int tokens = http.openAi(SimHttp.openAiBody("rate"))
                .json()
                .at("/usage/completion_tokens")
                .asInt();

        Duration took = time(() -> http.openAi(SimHttp.openAiBody("rate")));

        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(tokens * 10L));
    }

    @Test
    void shouldDelayInjectedFaultsByTheLatencyToo() {
        simulator.update(SimConfig.defaults().withLatency(Duration.ofMillis(200), Duration.ZERO));

        Duration took = time(() -> assertThat(http.openAi(SimHttp.openAiBody("f"), "x-sim-fault", "500")
                        .status())
                .isEqualTo(500));

        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(200));
    }

    private static Duration time(Runnable call) {
        long start = System.nanoTime();
        call.run();
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
