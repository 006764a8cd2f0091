package dev.sluice.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.yaml.snakeyaml.Yaml;

/**
 * deploy/compose/compose.yaml, which this machine cannot run (no container engine): held to the
 * Compose Specification's schema, and each Sluice service in it to the service itself: its image,
 * its configuration and environment as its own reader takes them, its ports and readiness check,
 * and its state on a volume.
 */
@SuppressWarnings("unchecked")
class ComposeFileTest {
    private static Path composeDir() {
        return Chart.deployDir().resolve("compose");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> service(String name) throws IOException {
        // SnakeYAML resolves the file's anchors and merge keys (<<), as Compose does.
        Map<String, Object> compose =
                new Yaml().load(Files.readString(composeDir().resolve("compose.yaml")));
        return (Map<String, Object>) ((Map<String, Object>) compose.get("services")).get(name);
    }

    @Test
    void shouldFollowTheComposeSpecification() throws Exception {
        ManifestValidator.Report report =
                ManifestValidator.validateCompose(composeDir().resolve("compose.yaml"));

        assertThat(report.problems()).as(report.output()).isEmpty();
        assertThat(report.valid()).isEqualTo(1);
    }

    @Test
    void shouldCatchAKeyTheSpecificationDoesNotHave(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("compose.yaml"), """
                services:
                  a:
                    image: example
                    healtcheck: {test: [CMD, "true"]}
                """);

        ManifestValidator.Report report = ManifestValidator.validateCompose(file);

        assertThat(report.problems()).singleElement().asString().contains("healtcheck");
    }

    @ParameterizedTest
    @CsvSource({"router-stream, 9401", "worker-pool, 9402", "result-sink, 9403", "ingest-service, 9404"})
    void shouldRunEachServiceFromItsImageWithAConfigurationItAcceptsAndCheckItsReadiness(String name, int opsPort)
            throws Exception {
        Map<String, Object> service = service(name);

        assertThat(service.get("image").toString())
                .endsWith("/sluice-" + name + ":${SLUICE_IMAGE_TAG:-0.1.0-SNAPSHOT}")
                .startsWith("${SLUICE_IMAGE_REGISTRY:-ghcr.io/sluice-dev}");
        assertThat(service.get("user")).isEqualTo("65532:65532");
        assertThat((List<Object>) service.get("ports")).contains("127.0.0.1:" + opsPort + ":" + opsPort);
        assertThat(service.get("healthcheck").toString())
                .contains("/dev/tcp/127.0.0.1/" + opsPort)
                .contains("GET /ready");

        // The configuration as the container gets it: the mounted file, the service's environment
        // and the example .env's lines.
        Map<String, String> env = new HashMap<>();
        ((Map<?, ?>) service.get("environment")).forEach((k, v) -> env.put(k.toString(), v.toString()));
        Files.readAllLines(composeDir().resolve("example.env")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#"))
                .forEach(l -> env.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));
        assertThat(env.get("SLUICE_CONFIG")).isEqualTo("/etc/sluice/sluice.yaml");
        Settings.read(ConfigSource.load(composeDir().resolve("sluice.yaml"), env), Services.READERS.get(name));

        // A Streams app's state (and ingest's status table) on the volume mounted where the config puts it.
        String stateKey = Map.of(
                        "router-stream",
                        "router.state.dir",
                        "result-sink",
                        "sink.state.dir",
                        "ingest-service",
                        "ingest.state.dir")
                .get(name);
        if (stateKey != null) {
            Map<String, Object> config =
                    new Yaml().load(Files.readString(composeDir().resolve("sluice.yaml")));
            String stateDir = config.get(stateKey).toString();
            assertThat((List<Object>) service.get("volumes"))
                    .anyMatch(v -> v.toString().endsWith("-state:" + stateDir));
        }
    }

    @Test
    void shouldServeTheApiOnItsDefaultPortAndHandTheWorkersTheSimulatorInTheSimProfile() throws Exception {
        assertThat((List<Object>) service("ingest-service").get("ports")).contains("8088:8088");
        Map<String, Object> sim = service("provider-sim");
        assertThat((List<Object>) sim.get("profiles")).containsExactly("sim");
        assertThat(sim.get("command").toString()).contains("--port, 8090");
        assertThat(Files.readString(composeDir().resolve("example.env")))
                .contains("SLUICE_PROVIDERS_OPENAI_BASE_URL=http://provider-sim:8090");
        assertThat((List<Object>) sim.get("tmpfs")).containsExactly("/tmp");
    }
}
