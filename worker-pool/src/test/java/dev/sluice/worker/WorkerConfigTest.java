package dev.sluice.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.runtime.config.ConfigException;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkerConfigTest {

    private static WorkerConfig read(Map<String, String> values) {
        Map<String, String> all = new HashMap<>(
                Map.of("kafka.bootstrap.servers", "broker:9092", "schema.registry.url", "http://registry:8081"));
        all.putAll(values);
        return Settings.read(ConfigSource.of(all), WorkerConfig::read);
    }

    @Test
    void shouldReadEveryListedProvider() {
        WorkerConfig config = read(Map.of(
                "providers.names",
                "openai,anthropic",
                "providers.anthropic.api.key",
                "sk-ant-test",
                "providers.openai.api.key",
                "sk-test"));

        assertThat(config.providers())
                .extracting(WorkerConfig.ProviderEndpoint::name)
                .containsExactly("openai", "anthropic");
    }

    @Test
    void shouldSayWhenAProviderIsConfiguredButNotListedRatherThanCallItsKeysTypos() {
        assertThatThrownBy(() -> read(Map.of(
                        "providers.names",
                        "openai",
                        "providers.anthropic.api.key",
                        "sk-ant-test",
                        "providers.anthropic.base.url",
                        "https://api.anthropic.com")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactly(
                                        "providers.anthropic.* is set but anthropic is not in providers.names (openai): add it there"
                                                + " to use it, or remove its settings"));
    }
}
