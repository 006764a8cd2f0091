package dev.sluice.ingest.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.runtime.config.ConfigException;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.KafkaSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusConfigTest {

    private static StatusConfig read(Map<String, String> extra) {
        Map<String, String> values = new HashMap<>(
                Map.of("kafka.bootstrap.servers", "127.0.0.1:9092", "schema.registry.url", "http://127.0.0.1:8081"));
        values.putAll(extra);
        return Settings.read(ConfigSource.of(values), s -> StatusConfig.read(s, KafkaSettings.read(s)));
    }

    @Test
    void shouldDefaultToTenSecondsOfWaitAHeartbeatEveryFifteenAndTenThousandStreams() {
        StatusConfig config = read(Map.of());

        assertThat(config.stateDir()).isEqualTo(Path.of("state", "ingest"));
        assertThat(config.applicationId()).isEqualTo("sluice-ingest-status");
        assertThat(config.firstStatusWait()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.heartbeat()).isEqualTo(Duration.ofSeconds(15));
        assertThat(config.maxStreams()).isEqualTo(10_000);
    }

    @Test
    void shouldReportEverySettingOutOfRangeAtOnce() {
        assertThatThrownBy(() -> read(Map.of(
                        "ingest.status.wait",
                        "1m",
                        "ingest.status.heartbeat",
                        "10ms",
                        "ingest.status.max.streams",
                        "0")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .hasSize(3)
                                .anySatisfy(p -> assertThat(p).startsWith("ingest.status.wait"))
                                .anySatisfy(p -> assertThat(p).startsWith("ingest.status.heartbeat"))
                                .anySatisfy(p -> assertThat(p).startsWith("ingest.status.max.streams")));
    }
}
