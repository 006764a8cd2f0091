package dev.sluice.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.runtime.config.ConfigException;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SinkConfigTest {

    private static SinkConfig read(Map<String, String> values) {
        Map<String, String> all = new HashMap<>(
                Map.of("kafka.bootstrap.servers", "broker:9092", "schema.registry.url", "http://registry:8081"));
        all.putAll(values);
        return Settings.read(ConfigSource.of(all), SinkConfig::read);
    }

    @Test
    void shouldWatchForStuckJobsByDefaultWithALongerWatchForProviderBatches() {
        SinkConfig config = read(Map.of());

        assertThat(config.stuckAfter().active()).isEqualTo(Duration.ofMinutes(30));
        assertThat(config.stuckAfter().batch()).isEqualTo(Duration.ofHours(25));
        assertThat(config.stuckAfter().checkEvery()).isEqualTo(Duration.ofMinutes(1));
        assertThat(read(Map.of("sink.stuck.after", "2s")).stuckAfter().checkEvery())
                .isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void shouldRefuseAStuckWatchAsLongAsTheStatusRetentionThatEndsIt() {
        assertThatThrownBy(() -> read(Map.of("sink.status.retention", "1d", "sink.batch.stuck.after", "25h")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .singleElement()
                                .asString()
                                .contains("must each be shorter than sink.status.retention (PT24H)"));
    }
}
