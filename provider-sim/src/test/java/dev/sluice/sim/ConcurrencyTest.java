package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ConcurrencyTest {

    private static final int REQUESTS = 500;

    @Test
    void shouldServe500ConcurrentSlowRequestsWithoutFailures() throws Exception {
        SimConfig config = SimConfig.defaults().withLatency(Duration.ofMillis(200), Duration.ZERO);
        try (ProviderSimulator simulator = ProviderSimulator.start(config);
                ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            SimHttp http = new SimHttp(simulator);
            List<Future<Integer>> replies = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                String prompt = "concurrent " + i;
                boolean openAi = i % 2 == 0;
                replies.add(clients.submit(() -> openAi
                        ? http.openAi(SimHttp.openAiBody(prompt)).status()
                        : http.anthropic(SimHttp.anthropicBody(prompt)).status()));
            }

            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> reply : replies) {
                statuses.add(reply.get());
            }

            assertThat(statuses).hasSize(REQUESTS).containsOnly(200);
            assertThat(simulator.stats().requests("POST /v1/chat/completions")).isEqualTo(REQUESTS / 2);
            assertThat(simulator.stats().requests("POST /v1/messages")).isEqualTo(REQUESTS / 2);
        }
    }
}
