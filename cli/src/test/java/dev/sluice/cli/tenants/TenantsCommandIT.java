package dev.sluice.cli.tenants;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.cli.CliRun;
import dev.sluice.cli.InProcessServices;
import dev.sluice.model.ApiKey;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.Priority;
import dev.sluice.model.Tier;
import dev.sluice.router.RouterConfig;
import dev.sluice.router.RouterService;
import dev.sluice.runtime.SluiceService;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.KafkaSettings;
import dev.sluice.runtime.kafka.TopicCreator;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.runtime.tenants.ApiKeys;
import dev.sluice.schemas.registry.RestSchemaRegistry;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@SluiceKafka
class TenantsCommandIT {

    private static CliRun sluice(KafkaStack kafka, String prefix, String... args) {
        return CliRun.of(kafka, prefix, new TenantsCommand(), args);
    }

    @Test
    void shouldPutListShowAndDeleteTenants(KafkaStack kafka, @TempDir Path dir) throws Exception {
        String prefix = kafka.newPrefix();
        Settings settings = new Settings(ConfigSource.of(kafka.serviceConfig(prefix)));
        TopicCreator.ensure(KafkaSettings.read(settings));
        Path acme = Files.writeString(dir.resolve("acme.yaml"), """
                tenantId: acme
                plan: enterprise
                limits: {dailyBudgetUsd: "25.00"}
                webhooks: {endpoints: ["https://hooks.acme.example/x"], signingSecretRefs: ["file:/run/acme"]}
                """);
        Path globex =
                Files.writeString(dir.resolve("globex.json"), "{\"tenantId\":\"globex\",\"defaultTier\":\"SMALL\"}");

        CliRun put = sluice(kafka, prefix, "put", acme.toString(), globex.toString());
        assertThat(put.exit()).as(put.err()).isZero();
        assertThat(put.out()).contains("put tenant acme").contains("put tenant globex");

        CliRun list = sluice(kafka, prefix, "list");
        assertThat(list.out())
                .contains("acme")
                .contains("enterprise")
                .contains("$25.00")
                .contains("globex")
                .contains("2 tenants");

        CliRun show = sluice(kafka, prefix, "show", "acme");
        assertThat(show.exit()).isZero();
        assertThat(show.out()).contains("tenantId: \"acme\"").contains("dailyBudgetMicros: 25000000");
        Path edited =
                Files.writeString(dir.resolve("acme-edited.yaml"), show.out().replace("enterprise", "scale"));
        assertThat(sluice(kafka, prefix, "put", edited.toString()).exit()).isZero();
        assertThat(sluice(kafka, prefix, "show", "acme", "--json").out()).contains("\"plan\" : \"scale\"");

        assertThat(sluice(kafka, prefix, "delete", "globex").exit()).isZero();
        assertThat(sluice(kafka, prefix, "list").out()).doesNotContain("globex").contains("1 tenant");
        assertThat(sluice(kafka, prefix, "show", "globex").exit()).isEqualTo(1);
    }

    @Test
    void shouldCreateListAndRevokeApiKeysPrintingEachKeyOnceAndStoringOnlyItsHash(KafkaStack kafka, @TempDir Path dir)
            throws Exception {
        String prefix = topicsWithTenantAcme(kafka, dir);

        CliRun create = sluice(kafka, prefix, "keys", "create", "acme", "--label", "ci deploys");

        assertThat(create.exit()).as(create.err()).isZero();
        String key = create.out().strip();
        // Booleans, not the strings themselves, so that a failure does not print a key.
        assertThat(Pattern.matches("slk_[a-z2-7]{12}_[A-Za-z0-9_-]{43}", key))
                .as("stdout is one key")
                .isTrue();
        String keyId = ApiKeys.keyIdOf(key).orElseThrow();
        assertThat(create.err()).contains("created API key " + keyId + " for tenant acme");
        assertThat((create.out() + create.err()).split(Pattern.quote(key), -1).length - 1)
                .as("times the key is printed")
                .isEqualTo(1);
        ApiKey stored = storedKeys(kafka, prefix).getLast();
        assertThat(stored.keyId()).isEqualTo(keyId);
        assertThat(stored.tenantId()).isEqualTo("acme");
        assertThat(stored.label()).isEqualTo("ci deploys");
        assertThat(stored.revokedAt()).isNull();
        assertThat(ApiKeys.matches(key, stored.sha256()))
                .as("the stored hash is the key's")
                .isTrue();

        CliRun list = sluice(kafka, prefix, "keys", "list", "acme");
        assertThat(list.out())
                .contains(keyId)
                .contains("ci deploys")
                .contains("1 key, 1 valid")
                .doesNotContain(stored.sha256());
        assertThat(list.out().contains(key)).as("list prints the key").isFalse();

        CliRun revoke = sluice(kafka, prefix, "keys", "revoke", keyId);
        assertThat(revoke.exit()).isZero();
        assertThat(revoke.out()).contains("revoked API key " + keyId + " of tenant acme");
        assertThat(storedKeys(kafka, prefix).getLast().revokedAt()).isNotNull();
        assertThat(sluice(kafka, prefix, "keys", "list", "acme").out()).contains("1 key, 0 valid");
        assertThat(sluice(kafka, prefix, "keys", "revoke", key).out()).contains("already revoked");
        assertThat(sluice(kafka, prefix, "keys", "revoke", "nosuchkey000").exit())
                .isEqualTo(1);
    }

    @Test
    void shouldRefuseAKeyForAnUnknownTenantAndRevokeADeletedTenantsKeys(KafkaStack kafka, @TempDir Path dir)
            throws Exception {
        String prefix = topicsWithTenantAcme(kafka, dir);

        CliRun unknown = sluice(kafka, prefix, "keys", "create", "globex");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).contains("no tenant globex").contains("no key was made");
        assertThat(unknown.out()).isEmpty();

        assertThat(sluice(kafka, prefix, "keys", "create", "acme").exit()).isZero();
        assertThat(sluice(kafka, prefix, "keys", "create", "acme").exit()).isZero();
        CliRun delete = sluice(kafka, prefix, "delete", "acme");

        assertThat(delete.out()).contains("revoked 2 API keys of acme");
        assertThat(storedKeys(kafka, prefix))
                .hasSize(2)
                .allSatisfy(k -> assertThat(k.revoked()).isTrue());
    }

    @Test
    void shouldPauseATenantSoTheRouterRefusesItsNewRequestsKeepThePauseThroughAPutAndResumeIt(
            KafkaStack kafka, @TempDir Path dir) throws Exception {
        String prefix = topicsWithTenantAcme(kafka, dir);
        Topics topics = new Topics(prefix);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        Map<String, String> config = new HashMap<>(kafka.serviceConfig(prefix));
        config.put("router.state.dir", dir.resolve("router").toString());
        AtomicInteger sent = new AtomicInteger();
        try (SluiceService router = InProcessServices.start(config, RouterConfig::read, RouterService::new);
                KafkaProducer<String, byte[]> producer = kafka.producer()) {
            Function<String, String> send = label -> {
                String id = label + "-" + sent.incrementAndGet();
                LlmRequest r = LlmRequest.of(id, "acme", "Summarise ticket " + id, Instant.now());
                producer.send(new ProducerRecord<>(
                        topics.requests(),
                        "acme",
                        serdes.requests().serializer().serialize(topics.requests(), r)));
                producer.flush();
                return id;
            };
            String before = send.apply("before");
            await().alias("a job for the request before the pause")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> routed(kafka, topics, serdes).contains(before));

            CliRun pause = sluice(kafka, prefix, "pause", "acme");
            assertThat(pause.exit()).as(pause.err()).isZero();
            assertThat(pause.out()).contains("paused tenant acme");
            assertThat(sluice(kafka, prefix, "list").out()).containsPattern("acme +paused");
            assertThat(sluice(kafka, prefix, "show", "acme").out()).contains("paused: true");
            CliRun put = sluice(kafka, prefix, "put", dir.resolve("acme.yaml").toString());
            assertThat(put.out()).contains("it stays paused");
            await().alias("a request refused TENANT_PAUSED")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> {
                        String unused = send.apply("during"); // sent for its refusal, not its id
                        return refusals(kafka, topics, serdes).contains("TENANT_PAUSED");
                    });

            CliRun resume = sluice(kafka, prefix, "resume", "acme");
            assertThat(resume.exit()).as(resume.err()).isZero();
            assertThat(resume.out()).contains("resumed tenant acme");
            await().alias("a request routed again")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> {
                        String unused = send.apply("after"); // the id is read back from the routed topic
                        return routed(kafka, topics, serdes).stream().anyMatch(id -> id.startsWith("after-"));
                    });
            assertThat(sluice(kafka, prefix, "resume", "acme").out()).contains("was already taking requests");
            assertThat(sluice(kafka, prefix, "pause", "globex").exit()).isEqualTo(1);
        }
    }

    /** The requestIds of the jobs routed to the default tier's topic. */
    private static List<String> routed(KafkaStack kafka, Topics topics, SluiceSerdes serdes) {
        String topic = topics.job(Tier.MEDIUM, Priority.NORMAL);
        return kafka.readUntil(topic, r -> false, Duration.ofMillis(300)).stream()
                .map(r -> serdes.jobs()
                        .deserializer()
                        .deserialize(topic, r.value())
                        .requestId())
                .toList();
    }

    /** The reason codes of the completions the router wrote. */
    private static List<String> refusals(KafkaStack kafka, Topics topics, SluiceSerdes serdes) {
        String topic = topics.completions();
        return kafka.readUntil(topic, r -> false, Duration.ofMillis(300)).stream()
                .map(r -> serdes.results().deserializer().deserialize(topic, r.value()))
                .filter(r -> r.error() != null)
                .map(r -> r.error().code())
                .toList();
    }

    /** A new topic prefix whose topics exist and hold one tenant, acme. */
    private static String topicsWithTenantAcme(KafkaStack kafka, Path dir) throws Exception {
        String prefix = kafka.newPrefix();
        TopicCreator.ensure(KafkaSettings.read(new Settings(ConfigSource.of(kafka.serviceConfig(prefix)))));
        Path acme = Files.writeString(dir.resolve("acme.yaml"), "tenantId: acme\n");
        assertThat(sluice(kafka, prefix, "put", acme.toString()).exit()).isZero();
        return prefix;
    }

    /** The latest record of every key on the API keys topic, oldest first. */
    private static List<ApiKey> storedKeys(KafkaStack kafka, String prefix) {
        String topic = new Topics(prefix).apiKeys();
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        java.util.Map<String, ApiKey> latest = new java.util.LinkedHashMap<>();
        kafka.readAll(topic, Duration.ofSeconds(30)).forEach(r -> {
            latest.remove(r.key());
            latest.put(r.key(), serdes.apiKeys().deserializer().deserialize(topic, r.value()));
        });
        return List.copyOf(latest.values());
    }

    @Test
    void shouldWriteNothingWhenAnyFileIsInvalid(KafkaStack kafka, @TempDir Path dir) throws Exception {
        String prefix = kafka.newPrefix();
        TopicCreator.ensure(KafkaSettings.read(new Settings(ConfigSource.of(kafka.serviceConfig(prefix)))));
        Path good = Files.writeString(dir.resolve("good.yaml"), "tenantId: good\n");
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "tenantId: bad\ndefaultTier: HUGE\n");

        CliRun put = sluice(kafka, prefix, "put", good.toString(), bad.toString());

        assertThat(put.exit()).isEqualTo(2);
        assertThat(put.err()).contains("bad.yaml").contains("'HUGE'").contains("nothing was written");
        assertThat(sluice(kafka, prefix, "list").out()).contains("0 tenants");
    }

    @Test
    void shouldSayWhatToDoWhenKafkaIsNotThere(@TempDir Path dir) throws Exception {
        Path good = Files.writeString(dir.resolve("good.yaml"), "tenantId: good\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CommandLine cli = new CommandLine(new TenantsCommand());
        cli.setErr(new java.io.PrintWriter(err, true, StandardCharsets.UTF_8));
        cli.setExecutionExceptionHandler((ex, c, p) -> {
            c.getErr().println(ex.getMessage());
            return 2;
        });
        int exit = cli.execute(
                "put", good.toString(), "--bootstrap-servers", "127.0.0.1:1", "--registry-url", "http://127.0.0.1:1");
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("cannot reach Kafka at 127.0.0.1:1");
    }

    @Test
    void shouldCreateATenantsOwnRequestTopicWhenAsked(KafkaStack kafka, @TempDir Path dir) throws Exception {
        String prefix = kafka.newPrefix();
        TopicCreator.ensure(KafkaSettings.read(new Settings(ConfigSource.of(kafka.serviceConfig(prefix)))));
        Path initech = Files.writeString(dir.resolve("initech.yaml"), "tenantId: initech\n");

        CliRun put = sluice(kafka, prefix, "put", "--request-topic", initech.toString());

        assertThat(put.exit()).as(put.err()).isZero();
        assertThat(put.out()).contains("its request topic is " + prefix + "requests.initech");
        assertThat(kafka.topics()).contains(prefix + "requests.initech");
        // Registered at once, so the tenant's own producer may run with auto.register.schemas=false.
        assertThat(new RestSchemaRegistry(kafka.registryUrl())
                        .lookupId(prefix + "requests.initech-value", dev.sluice.avro.LlmRequest.getClassSchema()))
                .isPositive();
    }
}
