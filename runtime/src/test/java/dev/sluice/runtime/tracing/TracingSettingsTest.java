package dev.sluice.runtime.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.runtime.config.ConfigException;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TracingSettingsTest {

    @Test
    void shouldBeOffUnlessAnEndpointIsSet() {
        TracingSettings t = TracingSettings.read(new Settings(ConfigSource.of(Map.of())));

        assertThat(t.enabled()).isFalse();
        assertThat(t.sampleRatio()).isEqualTo(1.0);
    }

    @Test
    void shouldSendToTheCollectorsTracesPath() {
        assertThat(read(Map.of("tracing.otlp.endpoint", "http://collector:4318/"))
                        .endpoint())
                .isEqualTo("http://collector:4318/v1/traces");
        assertThat(read(Map.of(
                        "tracing.otlp.endpoint", "https://otel.example/v1/traces", "tracing.sample.ratio", "0.25")))
                .isEqualTo(new TracingSettings("https://otel.example/v1/traces", 0.25));
    }

    @Test
    void shouldRefuseARatioOutsideZeroToOneAndAnEndpointThatIsNotAUrl() {
        Settings s = new Settings(
                ConfigSource.of(Map.of("tracing.otlp.endpoint", "collector:4318", "tracing.sample.ratio", "1.5")));
        TracingSettings.read(s);

        assertThatThrownBy(s::validate)
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .anySatisfy(p ->
                                        assertThat(p).contains("tracing.sample.ratio = 1.5 is out of range [0, 1]"))
                                .anySatisfy(p -> assertThat(p).contains("tracing.otlp.endpoint")));
    }

    private static TracingSettings read(Map<String, String> values) {
        Settings s = new Settings(ConfigSource.of(values));
        TracingSettings t = TracingSettings.read(s);
        s.validate();
        return t;
    }
}
