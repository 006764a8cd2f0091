package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.runtime.SluiceService;
import dev.sluice.runtime.ops.Health;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UpCommandTest {

    private static SluiceService running(String name, int opsPort) {
        return new SluiceService() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void start() {}

            @Override
            public Health health() {
                return Health.up(Map.of());
            }

            @Override
            public int opsPort() {
                return opsPort;
            }

            @Override
            public void close() {}
        };
    }

    @Test
    void shouldPrintEachServicesHealthReadinessAndMetricsUrlOnItsOwnPort() {
        String printed = UpCommand.endpoints(List.of(
                running("router-stream", 19401),
                running("worker-pool", 19402),
                running("result-sink", 19403),
                running("ingest-service", 18088)));

        assertThat(printed.lines())
                .containsExactly(
                        "  router-stream    http://127.0.0.1:19401/health   http://127.0.0.1:19401/ready   http://127.0.0.1:19401/metrics",
                        "  worker-pool      http://127.0.0.1:19402/health   http://127.0.0.1:19402/ready   http://127.0.0.1:19402/metrics",
                        "  result-sink      http://127.0.0.1:19403/health   http://127.0.0.1:19403/ready   http://127.0.0.1:19403/metrics",
                        "  ingest-service   http://127.0.0.1:18088/health   http://127.0.0.1:18088/ready   http://127.0.0.1:18088/metrics");
    }

    @Test
    void shouldGiveEachServiceOfTheFixedStackItsOwnOpsPortAndAnyPortOtherwise() {
        assertThat(List.of(LocalStack.Service.values()).stream().map(LocalStack.Ports.FIXED::opsOf))
                .containsExactly(19401, 19402, 19403, 19404);
        assertThat(LocalStack.Ports.ANY.opsOf(LocalStack.Service.SINK)).isZero();
    }
}
