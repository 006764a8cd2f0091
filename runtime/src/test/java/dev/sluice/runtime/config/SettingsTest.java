package dev.sluice.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {

    @Test
    void shouldReportEveryBadSettingAtOnce() {
        Settings s = new Settings(
                ConfigSource.of(Map.of("a.port", "99999", "a.count", "many", "a.flag", "perhaps", "a.wait", "soon")));
        s.intValue("a.port", 1, 0, 65_535);
        s.intValue("a.count", 1, 0, 10);
        s.bool("a.flag", false);
        s.duration("a.wait", Duration.ofSeconds(1), Duration.ZERO, Duration.ofHours(1));
        s.required("a.missing");

        assertThatThrownBy(s::validate).isInstanceOfSatisfying(ConfigException.class, e -> {
            assertThat(e.problems()).hasSize(5);
            assertThat(e.getMessage())
                    .contains("a.port = 99999 is out of range")
                    .contains("'many' is not a whole number")
                    .contains("'perhaps' is not true or false")
                    .contains("'soon' is not a duration")
                    .contains("a.missing is required (environment variable SLUICE_A_MISSING)");
        });
    }

    @Test
    void shouldParseDurationsInEveryWrittenForm() {
        assertThat(Settings.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Settings.parseDuration("5s")).isEqualTo(Duration.ofSeconds(5));
        assertThat(Settings.parseDuration("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Settings.parseDuration("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Settings.parseDuration("1d")).isEqualTo(Duration.ofDays(1));
        assertThat(Settings.parseDuration("PT30S")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Settings.parseDuration("1_000ms")).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void shouldParseSizesWithBinaryUnitsAndNameABadOne() {
        assertThat(Settings.parseBytes("65536")).isEqualTo(65_536);
        assertThat(Settings.parseBytes("512KB")).isEqualTo(512L * 1024);
        assertThat(Settings.parseBytes("32 mb")).isEqualTo(32L << 20);
        assertThat(Settings.parseBytes("1GB")).isEqualTo(1L << 30);
        assertThat(Settings.parseBytes("100B")).isEqualTo(100);
        Settings s = new Settings(ConfigSource.of(Map.of("a", "lots", "b", "8KB")));
        s.bytes("a", 1, 0, 10);
        s.bytes("b", 1, 0, 1024);
        assertThatThrownBy(s::validate)
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactly(
                                        "a = 'lots' is not a size (e.g. 65536, 512KB, 32MB, 1GB)",
                                        "b = 8KB is out of range [0, 1024] bytes"));
    }

    @Test
    void shouldReadAListOfDurationsAndNameTheBadStep() {
        Settings s = new Settings(ConfigSource.of(Map.of("b", "5s, 30s,5m", "c", "1s,later")));
        assertThat(s.durations("b", List.of(), Duration.ZERO, Duration.ofHours(1)))
                .containsExactly(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(5));
        s.durations("c", List.of(), Duration.ZERO, Duration.ofHours(1));
        assertThatThrownBy(s::validate).hasMessageContaining("c step 'later'");
    }

    @Test
    void shouldMaskSecretsInTheEffectiveConfiguration() {
        Settings s = new Settings(ConfigSource.of(Map.of("p.api.key", "sk-live-123456", "p.url", "http://x")));
        Secret key = s.secret("p.api.key");
        s.url("p.url", null);

        assertThat(key.reveal()).isEqualTo("sk-live-123456");
        assertThat(key.toString()).isEqualTo("****");
        assertThat(s.describe())
                .contains("p.api.key = ****")
                .contains("p.url = http://x")
                .doesNotContain("sk-live-123456");
    }

    @Test
    void shouldRejectAUrlThatIsNotHttp() {
        Settings s = new Settings(ConfigSource.of(Map.of("u", "localhost:8081")));
        s.url("u", null);
        assertThatThrownBy(s::validate).hasMessageContaining("u = 'localhost:8081' is not an http(s) URL");
    }

    @Test
    void shouldFlattenANestedYamlFileAndLetOverridesWin(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("router.yaml");
        Files.writeString(file, """
                kafka:
                  bootstrap:
                    servers: broker:9092
                worker:
                  tiers: [small, large]
                kafka.client.security.protocol: SASL_SSL
                """);
        ConfigSource source = ConfigSource.load(file).with(Map.of("kafka.bootstrap.servers", "other:9092"));
        Settings s = new Settings(source);

        assertThat(s.string("kafka.bootstrap.servers", null)).isEqualTo("other:9092");
        assertThat(s.list("worker.tiers", List.of())).containsExactly("small", "large");
        assertThat(source.withPrefix("kafka.client.")).containsEntry("security.protocol", "SASL_SSL");
    }

    @Test
    void shouldReadPropertiesFilesAndComplainAboutAMissingFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sink.properties");
        Files.writeString(file, "sink.stream.threads=3\n");
        assertThat(new Settings(ConfigSource.load(file)).intValue("sink.stream.threads", 1, 1, 8))
                .isEqualTo(3);
        assertThatThrownBy(() -> ConfigSource.load(dir.resolve("nope.yaml")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("does not exist");
    }

    @Test
    void shouldNameTheEnvironmentVariableOfAKey() {
        assertThat(ConfigSource.envName("kafka.bootstrap.servers")).isEqualTo("SLUICE_KAFKA_BOOTSTRAP_SERVERS");
        assertThat(ConfigSource.envName("providers.open-ai.api.key")).isEqualTo("SLUICE_PROVIDERS_OPEN_AI_API_KEY");
    }

    @Test
    void shouldReportAKeyTheServiceNeverReadWithTheNearestItDidAlongsideEveryOtherProblem(@TempDir Path dir)
            throws Exception {
        Path file = Files.writeString(dir.resolve("router.yaml"), """
                router:
                  dedup.window: 1h
                  stream.threads: many
                kafka.bootstrap.server: broker:9092
                """);
        Settings s = new Settings(ConfigSource.load(file));
        s.duration("router.dedupe.window", Duration.ofHours(24), Duration.ofMinutes(1), Duration.ofDays(30));
        s.intValue("router.stream.threads", 1, 1, 64);
        s.string("kafka.bootstrap.servers", null);

        assertThatThrownBy(s::validate)
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactly(
                                        "router.stream.threads = 'many' is not a whole number",
                                        "unknown setting kafka.bootstrap.server (" + file
                                                + "); did you mean kafka.bootstrap.servers?",
                                        "unknown setting router.dedup.window (" + file
                                                + "); did you mean router.dedupe.window?"));
    }

    @Test
    void shouldReportAnUnknownSluiceVariableButNotTheScriptsOwnOrAnotherProgramsVariables() {
        Map<String, String> env = Map.of(
                "SLUICE_ROUTER_DEDUP_WINDOW",
                "1h",
                "SLUICE_ROUTER_STREAM_THREADS",
                "2",
                "SLUICE_HOME",
                "/var/sluice",
                "SLUICE_JAVA_OPTS",
                "-Xmx1g",
                "SLUICE_CONFIG",
                "/etc/router.yaml",
                "HOME",
                "/root",
                "ROUTER_DEDUPE_WINDOW",
                "1h");
        Settings s = new Settings(ConfigSource.of(Map.of(), env));
        s.duration("router.dedupe.window", Duration.ofHours(24), Duration.ofMinutes(1), Duration.ofDays(30));
        assertThat(s.intValue("router.stream.threads", 1, 1, 64)).isEqualTo(2);

        assertThatThrownBy(s::validate)
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactly("unknown environment variable SLUICE_ROUTER_DEDUP_WINDOW; did you mean"
                                        + " SLUICE_ROUTER_DEDUPE_WINDOW (router.dedupe.window)?"));
    }

    @Test
    void shouldRefuseARenamedKeyOrVariableNamingItsNewName() {
        Map<String, String> env = Map.of("SLUICE_INGEST_MAX_BATCH_BODY_BYTES", "8MiB");
        Settings s = new Settings(ConfigSource.of(Map.of("worker.retry.after.max", "2m"), env));
        s.duration("worker.max.retry.after", Duration.ofMinutes(1), Duration.ZERO, Duration.ofHours(1));
        s.bytes("ingest.batch.max.body.bytes", 1 << 20, 1, 1L << 30);

        assertThatThrownBy(s::validate)
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactly(
                                        "setting worker.retry.after.max was renamed worker.max.retry.after (in-process)",
                                        "environment variable SLUICE_INGEST_MAX_BATCH_BODY_BYTES was renamed"
                                                + " SLUICE_INGEST_BATCH_MAX_BODY_BYTES (ingest.batch.max.body.bytes)"));
    }

    @Test
    void shouldAllowAnyKeyBelowAPassThroughPrefixButNotBesideIt() {
        Map<String, String> env = Map.of("SLUICE_KAFKA_CLIENT_SASL_JAAS_CONFIG", "org.apache...required;");
        Settings s = new Settings(ConfigSource.of(
                Map.of(
                        "kafka.bootstrap.servers",
                        "broker:9092",
                        "kafka.client.security.protocol",
                        "SASL_SSL",
                        "kafka.clients.sasl.mechanism",
                        "PLAIN"),
                env));
        s.string("kafka.bootstrap.servers", null);

        assertThat(s.passThrough("kafka.client."))
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.jaas.config", "org.apache...required;");
        assertThatThrownBy(s::validate)
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactly(
                                        "unknown setting kafka.clients.sasl.mechanism (in-process); no setting of this"
                                                + " service is like it"));
    }

    @Test
    void shouldLeaveAnotherServicesSectionToItButReportASectionNoServiceHas() {
        Map<String, String> env =
                Map.of("SLUICE_PROVIDERS_OPENAI_API_KEY", "sk-live", "SLUICE_WORKER_MAX_IN_FLIGHT", "64");
        Settings s = new Settings(ConfigSource.of(
                Map.of(
                        "router.dedupe.window",
                        "1h",
                        "worker.max.in.flight",
                        "64",
                        "ingest.port",
                        "8088",
                        "routr.stream.threads",
                        "2"),
                env));
        s.duration("router.dedupe.window", Duration.ofHours(24), Duration.ofMinutes(1), Duration.ofDays(30));
        s.intValue("router.stream.threads", 1, 1, 64);

        assertThatThrownBy(s::validate)
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactly("unknown setting routr.stream.threads (in-process); did you mean"
                                        + " router.stream.threads?"));
    }

    @Test
    void shouldSuggestOnlyAKeyNearEnoughToBeWhatWasMeant() {
        assertThat(Settings.editDistance("router.dedup.window", "router.dedupe.window"))
                .isEqualTo(1);
        assertThat(Settings.editDistance("kitten", "sitting")).isEqualTo(3);
        assertThat(Settings.nearest("worker.max.inflight", List.of("worker.max.in.flight", "worker.tiers")))
                .contains("worker.max.in.flight");
        assertThat(Settings.nearest("router.colour", List.of("router.dedupe.window", "router.stream.threads")))
                .isEmpty();
    }
}
