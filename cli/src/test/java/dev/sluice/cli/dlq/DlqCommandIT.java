package dev.sluice.cli.dlq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.cli.CliRun;
import dev.sluice.cli.InProcessServices;
import dev.sluice.cli.tenants.TenantsCommand;
import dev.sluice.model.DeadLetter;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.ResultStatus;
import dev.sluice.router.RouterConfig;
import dev.sluice.router.RouterService;
import dev.sluice.runtime.SluiceService;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.KafkaSettings;
import dev.sluice.runtime.kafka.TopicCreator;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.registry.RestSchemaRegistry;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.sim.ProviderSimulator;
import dev.sluice.sim.SimConfig;
import dev.sluice.sink.SinkConfig;
import dev.sluice.sink.SinkService;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import dev.sluice.worker.WorkerConfig;
import dev.sluice.worker.WorkerService;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dead letters read and replayed after a fix, on a real broker with the router, a worker and the
 * sink running. The fault is a realistic misconfiguration: a tenant put with a model from a newer
 * catalogue (`tenants put --models`) before the router got that catalogue. The router cannot plan
 * the tenant's requests and dead-letters them; once it runs with the new catalogue, a replay gives
 * each exactly one result, and a second replay gives none more.
 */
@SluiceKafka
class DlqCommandIT {
    private static final String NEW_MODEL = "gpt-6-nano";

    private static CliRun sluice(KafkaStack kafka, String prefix, Object command, String... args) {
        return CliRun.of(kafka, prefix, command, args);
    }

    private static CliRun dlq(KafkaStack kafka, String prefix, String... args) {
        return sluice(kafka, prefix, new DlqCommand(), args);
    }

    /** The built-in catalogue with one model more, as a newer release of it would have. */
    private static Path newerCatalogue(Path dir) throws Exception {
        String builtIn;
        try (InputStream in = RouterConfig.class.getClassLoader().getResourceAsStream("models.yaml")) {
            builtIn = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        return Files.writeString(
                dir.resolve("models-next.yaml"), builtIn.replace("\nmodels:\n", """

                models:
                  %s:
                    provider: openai
                    input: "0.05"
                    output: "0.40"
                """.formatted(NEW_MODEL)));
    }

    @Test
    void shouldReplayARequestDeadLetteredByAMisconfiguredRouterIntoExactlyOneResultOnceOnly(
            KafkaStack kafka, @TempDir Path dir) throws Exception {
        String prefix = kafka.newPrefix();
        Topics topics = new Topics(prefix);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        Path catalogue = newerCatalogue(dir);
        Map<String, String> config = new HashMap<>(kafka.serviceConfig(prefix));
        TopicCreator.ensure(KafkaSettings.read(new Settings(ConfigSource.of(config))));
        Path acme = Files.writeString(dir.resolve("acme.yaml"), "tenantId: acme\nallowedModels: [" + NEW_MODEL + "]\n");
        CliRun put =
                sluice(kafka, prefix, new TenantsCommand(), "put", "--models", catalogue.toString(), acme.toString());
        assertThat(put.exit()).as(put.err()).isZero();
        Files.writeString(dir.resolve("globex.yaml"), "tenantId: globex\n");
        assertThat(sluice(
                                kafka,
                                prefix,
                                new TenantsCommand(),
                                "put",
                                dir.resolve("globex.yaml").toString())
                        .exit())
                .isZero();

        try (ProviderSimulator sim = ProviderSimulator.start(
                        SimConfig.defaults().withLatency(Duration.ofMillis(10), Duration.ofMillis(10)));
                KafkaProducer<String, byte[]> producer = kafka.producer()) {
            config.put("router.state.dir", dir.resolve("router").toString());
            config.put("sink.state.dir", dir.resolve("sink").toString());
            config.put("providers.openai.base.url", sim.baseUrl());
            config.put("providers.openai.api.key", "sk-dlq");
            config.put("models.file", catalogue.toString());
            Map<String, String> oldRouter = new HashMap<>(config);
            oldRouter.remove("models.file");
            List<SluiceService> services = new ArrayList<>();
            SluiceService router = InProcessServices.start(oldRouter, RouterConfig::read, RouterService::new);
            try {
                services.add(InProcessServices.start(config, WorkerConfig::read, WorkerService::new));
                services.add(InProcessServices.start(config, SinkConfig::read, SinkService::new));
                // Given a request the router cannot plan, and one of another tenant it can.
                LlmRequest stuck = LlmRequest.of("stuck-1", "acme", "Summarise ticket 1", Instant.now());
                byte[] stuckBytes = serdes.requests().serializer().serialize(topics.requests(), stuck);
                producer.send(new ProducerRecord<>(topics.requests(), "acme", stuckBytes))
                        .get();
                send(producer, serdes, topics, LlmRequest.of("fine-1", "globex", "Summarise ticket 2", Instant.now()));
                await().alias("the other tenant's result")
                        .atMost(Duration.ofSeconds(90))
                        .until(() -> results(kafka, serdes, topics, "fine-1").size() == 1);
                await().alias("the stuck request dead-lettered")
                        .atMost(Duration.ofSeconds(30))
                        .until(() -> !letters(kafka, serdes, topics).isEmpty());

                // When an operator looks at the dead letters.
                CliRun list = dlq(kafka, prefix, "list");
                assertThat(list.exit()).as(list.err()).isZero();
                Matcher row = Pattern.compile("(?m)^(\\d+@\\d+) +\\S+ +sluice-router\\S* +enrich +"
                                + Pattern.quote(topics.requests())
                                + "-\\d+@\\d+ +acme .*IllegalArgumentException: Model "
                                + NEW_MODEL + " is not in the catalogue")
                        .matcher(list.out());
                assertThat(row.find()).as(list.out()).isTrue();
                String id = row.group(1);
                assertThat(list.out()).contains("1 dead letter");
                assertThat(dlq(kafka, prefix, "list", "--service", "worker-pool")
                                .out())
                        .contains("0 dead letters");
                CliRun show = dlq(kafka, prefix, "show", "stuck-1");
                assertThat(show.exit()).as(show.err()).isZero();
                assertThat(show.out())
                        .contains("dead letter " + id)
                        .contains("kept whole")
                        .contains("replayable  yes")
                        .contains("a dev.sluice.avro.LlmRequest")
                        .contains("\"requestId\": \"stuck-1\"");
                assertThat(dlq(kafka, prefix, "show", id, "--json").out())
                        .contains("\"replayed\" : null")
                        .contains("\"originalType\" : \"dev.sluice.avro.LlmRequest\"");
                assertThat(dlq(kafka, prefix, "replay").exit())
                        .as("a replay needs a selection")
                        .isEqualTo(2);
                CliRun dry = dlq(kafka, prefix, "replay", "--all", "--dry-run");
                assertThat(dry.out())
                        .contains("would replay " + id + " to " + topics.requests())
                        .contains("1 would be replayed, 0 skipped");

                // And the router is fixed: it runs with the catalogue the tenant was put with.
                router.close();
                router = InProcessServices.start(config, RouterConfig::read, RouterService::new);

                // Then a replay gives the request its one result.
                CliRun replay = dlq(kafka, prefix, "replay", id);
                assertThat(replay.exit()).as(replay.out() + replay.err()).isZero();
                assertThat(replay.out())
                        .containsPattern("replayed " + id + " to " + Pattern.quote(topics.requests()) + "-\\d+@\\d+")
                        .contains("1 replayed, 0 skipped");
                await().alias("the replayed request's result")
                        .atMost(Duration.ofSeconds(90))
                        .until(() -> !results(kafka, serdes, topics, "stuck-1").isEmpty());
                LlmResult result = results(kafka, serdes, topics, "stuck-1").getFirst();
                assertThat(result.status()).isEqualTo(ResultStatus.SUCCEEDED);
                assertThat(result.model()).isEqualTo(NEW_MODEL);

                // And a second replay is refused, and puts nothing back.
                CliRun again = dlq(kafka, prefix, "replay", id);
                assertThat(again.exit()).isEqualTo(1);
                assertThat(again.out())
                        .contains("skipped " + id + ": already replayed at")
                        .contains("0 replayed");
                assertThat(dlq(kafka, prefix, "replay", "--all").out()).contains("already replayed");
                assertThat(dlq(kafka, prefix, "list").out()).doesNotContainPattern(id + " .* - +IllegalArgument");
                assertThat(replayedRecords(kafka, topics))
                        .as("records put back on " + topics.requests())
                        .hasSize(1);

                // Even the same bytes produced again by hand (no ledger between) stay one result:
                // the router answers an original it has seen with nothing.
                producer.send(new ProducerRecord<>(topics.requests(), "acme", stuckBytes))
                        .get();
                send(producer, serdes, topics, LlmRequest.of("after-1", "acme", "Summarise ticket 3", Instant.now()));
                await().alias("a later request of the tenant through")
                        .atMost(Duration.ofSeconds(90))
                        .until(() -> results(kafka, serdes, topics, "after-1").size() == 1);
                assertThat(results(kafka, serdes, topics, "stuck-1"))
                        .as("results of the replayed request")
                        .hasSize(1);
            } finally {
                router.close();
                for (int i = services.size() - 1; i >= 0; i--) {
                    services.get(i).close();
                }
            }
        }
    }

    @Test
    void shouldRefuseToReplayALetterThatKeptOnlyTheStartOfItsRecord(KafkaStack kafka, @TempDir Path dir)
            throws Exception {
        String prefix = kafka.newPrefix();
        Topics topics = new Topics(prefix);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        Map<String, String> config = new HashMap<>(kafka.serviceConfig(prefix));
        config.put("router.state.dir", dir.resolve("router").toString());
        TopicCreator.ensure(KafkaSettings.read(new Settings(ConfigSource.of(config))));
        byte[] garbage = new byte[70_000];
        new Random(7).nextBytes(garbage);
        garbage[0] = 1;
        try (SluiceService router = InProcessServices.start(config, RouterConfig::read, RouterService::new);
                KafkaProducer<String, byte[]> producer = kafka.producer()) {
            producer.send(new ProducerRecord<>(topics.requests(), "acme", garbage))
                    .get();
            await().alias("the garbage dead-lettered")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> !letters(kafka, serdes, topics).isEmpty());
        }

        CliRun list = dlq(kafka, prefix, "list", "--stage", "deser", "--since", "1h", "--json");
        assertThat(list.exit()).as(list.err()).isZero();
        assertThat(list.out())
                .contains("\"truncated\" : true")
                .contains("\"valueSize\" : 70000")
                .contains("\"replayable\" : false");
        DeadLetter letter = letters(kafka, serdes, topics).getFirst();
        String id = new ObjectMapper().readTree(list.out()).get(0).get("id").asText();
        CliRun show = dlq(kafka, prefix, "show", id.substring(id.indexOf('@') + 1));
        assertThat(show.out())
                .contains("70,000 bytes")
                .contains("only the first 65,536 kept")
                .contains("original, its first 65,536 bytes only")
                .contains("more bytes)");
        CliRun replay = dlq(kafka, prefix, "replay", "--source-topic", topics.requests());

        assertThat(replay.exit()).isEqualTo(1);
        assertThat(replay.out())
                .contains("truncated: only the first 65,536 of its 70,000 bytes were kept, so the"
                        + " original cannot be put back")
                .contains("0 replayed, 1 skipped");
        assertThat(letter.truncated()).isTrue();
        assertThat(replayedRecords(kafka, topics)).isEmpty();
    }

    private static void send(KafkaProducer<String, byte[]> producer, SluiceSerdes serdes, Topics topics, LlmRequest r)
            throws Exception {
        producer.send(new ProducerRecord<>(
                        topics.requests(),
                        r.tenantId(),
                        serdes.requests().serializer().serialize(topics.requests(), r)))
                .get();
    }

    /** The results of a request on llm.results, all there are. */
    private static List<LlmResult> results(KafkaStack kafka, SluiceSerdes serdes, Topics topics, String requestId) {
        return kafka.readAll(topics.results(), Duration.ofSeconds(30)).stream()
                .map(r -> serdes.results().deserializer().deserialize(topics.results(), r.value()))
                .filter(r -> r.requestId().equals(requestId))
                .toList();
    }

    private static List<DeadLetter> letters(KafkaStack kafka, SluiceSerdes serdes, Topics topics) {
        return kafka.readAll(topics.deadLetters(), Duration.ofSeconds(30)).stream()
                .map(r -> serdes.deadLetters().deserializer().deserialize(topics.deadLetters(), r.value()))
                .toList();
    }

    private static List<ConsumerRecord<String, byte[]>> replayedRecords(KafkaStack kafka, Topics topics) {
        return kafka.readAll(topics.requests(), Duration.ofSeconds(30)).stream()
                .filter(r -> r.headers().lastHeader(Replayer.HEADER) != null)
                .toList();
    }
}
