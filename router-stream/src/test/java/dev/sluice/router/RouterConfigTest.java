package dev.sluice.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.runtime.config.ConfigException;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** router-stream's whole configuration read as RouterMain reads it: a file shared by every service, and the environment. */
class RouterConfigTest {

    private static final String SHARED = """
            kafka:
              bootstrap.servers: broker-1:9093
              client.security.protocol: SASL_SSL
            schema.registry.url: https://registry.internal:8081
            providers:
              names: openai
              openai.base.url: https://api.openai.com
            worker.max.in.flight: 64
            webhooks.allowed.hosts: 10.0.0.0/8
            ingest.port: 8088
            """;

    private static RouterConfig read(Path file, Map<String, String> env) {
        return Settings.read(ConfigSource.load(file, env), RouterConfig::read);
    }

    @Test
    void shouldStartFromAFileSharedWithTheOtherServices(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("sluice.yaml"), SHARED + "router.dedupe.window: 2h\n");

        RouterConfig config = read(
                file,
                Map.of(
                        "SLUICE_KAFKA_CLIENT_SASL_MECHANISM",
                        "SCRAM-SHA-512",
                        "SLUICE_PROVIDERS_OPENAI_API_KEY",
                        "sk-live",
                        "SLUICE_HOME",
                        "/var/sluice"));

        assertThat(config.dedupeWindow()).isEqualTo(Duration.ofHours(2));
        assertThat(config.kafka().clientOverrides())
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512");
    }

    @Test
    void shouldRefuseToStartWithAMisspeltRouterSettingAndSayWhichWasMeant(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("sluice.yaml"), SHARED + "router.dedup.window: 2h\n");

        assertThatThrownBy(() -> read(file, Map.of("SLUICE_ROUTER_STREAM_THREAD", "2")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactly(
                                        "unknown setting router.dedup.window (" + file
                                                + "); did you mean router.dedupe.window?",
                                        "unknown environment variable SLUICE_ROUTER_STREAM_THREAD; did you mean"
                                                + " SLUICE_ROUTER_STREAM_THREADS (router.stream.threads)?"));
    }
}
