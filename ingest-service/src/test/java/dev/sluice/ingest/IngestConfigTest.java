package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.runtime.config.ConfigException;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IngestConfigTest {

    private static IngestConfig read(Map<String, String> extra) {
        Map<String, String> values = new HashMap<>(
                Map.of("kafka.bootstrap.servers", "127.0.0.1:9092", "schema.registry.url", "http://127.0.0.1:8081"));
        values.putAll(extra);
        return Settings.read(ConfigSource.of(values), IngestConfig::read);
    }

    @Test
    void shouldGiveABodyTenSecondsByDefault() {
        assertThat(read(Map.of()).bodyTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(read(Map.of("ingest.body.timeout", "2500ms")).bodyTimeout()).isEqualTo(Duration.ofMillis(2500));
    }

    @Test
    void shouldRememberIdempotencyKeysForTheRoutersDedupeWindowAndAtMostAHundredThousand() {
        IngestConfig defaults = read(Map.of());
        IngestConfig set = read(Map.of("ingest.idempotency.window", "1h", "ingest.idempotency.max.keys", "5000"));

        assertThat(defaults.idempotencyWindow()).isEqualTo(Duration.ofHours(24));
        assertThat(defaults.idempotencyMaxKeys()).isEqualTo(100_000);
        assertThat(set.idempotencyWindow()).isEqualTo(Duration.ofHours(1));
        assertThat(set.idempotencyMaxKeys()).isEqualTo(5000);
    }

    @Test
    void shouldReportEveryIngestSettingOutOfRangeAtOnce() {
        assertThatThrownBy(() -> read(Map.of(
                        "ingest.body.timeout",
                        "10ms",
                        "ingest.produce.timeout",
                        "1h",
                        "ingest.idempotency.window",
                        "10s",
                        "ingest.idempotency.max.keys",
                        "0")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .hasSize(4)
                                .anySatisfy(p -> assertThat(p).startsWith("ingest.body.timeout"))
                                .anySatisfy(p -> assertThat(p).startsWith("ingest.produce.timeout"))
                                .anySatisfy(p -> assertThat(p).startsWith("ingest.idempotency.window"))
                                .anySatisfy(p -> assertThat(p).startsWith("ingest.idempotency.max.keys")));
    }
}
