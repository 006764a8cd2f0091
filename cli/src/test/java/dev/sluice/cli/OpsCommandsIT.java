package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.Priority;
import dev.sluice.model.TenantConfig;
import dev.sluice.model.Tier;
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
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `sluice jobs show` and `sluice lag` against a pipeline running on a real broker. */
@SluiceKafka
class OpsCommandsIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldShowAJobsStatusResultAndAttemptsAndEachGroupsLagGrowWhileItsServiceIsDown(
            KafkaStack kafka, @TempDir Path dir) throws Exception {
        String prefix = kafka.newPrefix();
        Topics topics = new Topics(prefix);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        Map<String, String> config = new HashMap<>(kafka.serviceConfig(prefix));
        config.put("router.state.dir", dir.resolve("router").toString());
        config.put("sink.state.dir", dir.resolve("sink").toString());
        KafkaSettings kafkaSettings = KafkaSettings.read(new Settings(ConfigSource.of(config)));
        TopicCreator.ensure(kafkaSettings);
        String workers = kafkaSettings.groupId("sluice-workers");
        String jobTopic = topics.job(Tier.MEDIUM, Priority.NORMAL);
        List<SluiceService> services = new ArrayList<>();
        try (ProviderSimulator sim = ProviderSimulator.start(
                        SimConfig.defaults().withLatency(Duration.ofMillis(10), Duration.ofMillis(10)));
                KafkaProducer<String, byte[]> producer = kafka.producer()) {
            config.put("providers.openai.base.url", sim.baseUrl());
            config.put("providers.openai.api.key", "sk-ops");
            producer.send(new ProducerRecord<>(
                            topics.tenants(),
                            "acme",
                            serdes.tenants()
                                    .serializer()
                                    .serialize(
                                            topics.tenants(),
                                            TenantConfig.basic("acme", TenantConfig.Webhooks.NONE, Instant.now()))))
                    .get();
            services.add(InProcessServices.start(config, RouterConfig::read, RouterService::new));
            SluiceService worker = InProcessServices.start(config, WorkerConfig::read, WorkerService::new);
            services.add(worker);
            services.add(InProcessServices.start(config, SinkConfig::read, SinkService::new));
            send(producer, serdes, topics, "job-1");

            // A finished job: its status, its result with its attempt, cost and timings.
            await().alias("job-1 shown with its result")
                    .atMost(Duration.ofSeconds(90))
                    .until(() -> sluice(kafka, prefix, new JobsCommand(), "show", "job-1")
                            .out()
                            .contains("SUCCEEDED"));
            CliRun show = sluice(kafka, prefix, new JobsCommand(), "show", "job-1");
            assertThat(show.exit()).as(show.err()).isZero();
            assertThat(show.out())
                    .contains("job job-1 of tenant acme")
                    .containsPattern("status +SUCCEEDED at ")
                    .containsPattern("result +SUCCEEDED")
                    .containsPattern("1\\. openai gpt-4.1-mini ok \\(HTTP 200\\)")
                    .contains("micro-dollars")
                    .containsPattern("created .*, routed \\+\\d+ ms, started \\+");
            JsonNode json = JSON.readTree(
                    sluice(kafka, prefix, new JobsCommand(), "show", "job-1", "--tenant", "acme", "--json")
                            .out());
            assertThat(json.at("/status/state").asText()).isEqualTo("SUCCEEDED");
            assertThat(json.at("/result/model").asText()).isEqualTo("gpt-4.1-mini");
            assertThat(json.at("/result/costMicros").asLong()).isPositive();
            CliRun unknown = sluice(kafka, prefix, new JobsCommand(), "show", "no-such-job", "--tenant", "acme");
            assertThat(unknown.exit()).isEqualTo(1);
            assertThat(unknown.err()).contains("no job no-such-job");

            // Every group of the installation listed, and caught up.
            await().alias("the workers caught up on " + jobTopic)
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> lagOf(kafka, prefix, workers, jobTopic) == 0);
            CliRun lag = sluice(kafka, prefix, new LagCommand());
            assertThat(lag.exit()).as(lag.err()).isZero();
            assertThat(lag.out())
                    .contains(kafkaSettings.groupId("sluice-router"))
                    .contains(kafkaSettings.groupId("sluice-sink"))
                    .contains(workers)
                    .contains(kafkaSettings.groupId("sluice-webhooks") + "-retry-1")
                    .contains(topics.requests());

            // With the workers down, routed jobs wait: the workers' lag on the job topic grows by them.
            worker.close();
            services.remove(worker);
            for (int i = 2; i <= 4; i++) {
                send(producer, serdes, topics, "job-" + i);
            }
            // Routed is not yet shown: the sink writes the QUEUED status in its own next commit. Once all
            // three are shown, the router's transactions that wrote them are committed, so the lag is settled.
            for (int i = 2; i <= 4; i++) {
                String id = "job-" + i;
                await().alias(id + " shown QUEUED")
                        .atMost(Duration.ofSeconds(60))
                        .until(() -> sluice(kafka, prefix, new JobsCommand(), "show", id)
                                .out()
                                .contains("QUEUED"));
            }
            // Lag is in offsets, as Kafka counts it: the router's transaction markers count too.
            long behind = lagOf(kafka, prefix, workers, jobTopic);
            assertThat(behind)
                    .as("three jobs waiting for the workers, and their markers")
                    .isBetween(3L, 6L);
            CliRun one = sluice(kafka, prefix, new LagCommand(), "--group", workers);
            assertThat(one.out())
                    .containsPattern(workers + " +\\S+ +" + jobTopic.replace(".", "\\.") + " +2 +" + behind + " ")
                    .doesNotContain(kafkaSettings.groupId("sluice-router"));
            assertThat(sluice(kafka, prefix, new LagCommand(), "--group", "nobody")
                            .exit())
                    .isEqualTo(1);
            assertThat(sluice(kafka, prefix, new JobsCommand(), "show", "job-2").out())
                    .containsPattern("status +QUEUED")
                    .contains("none yet");
        } finally {
            for (int i = services.size() - 1; i >= 0; i--) {
                services.get(i).close();
            }
        }
    }

    private static CliRun sluice(KafkaStack kafka, String prefix, Object command, String... args) {
        return CliRun.of(kafka, prefix, command, args);
    }

    private static long lagOf(KafkaStack kafka, String prefix, String group, String topic) throws Exception {
        for (JsonNode row : JSON.readTree(sluice(kafka, prefix, new LagCommand(), "--group", group, "--json")
                .out())) {
            if (row.get("topic").asText().equals(topic)) {
                return row.get("lag").asLong();
            }
        }
        return -1;
    }

    private static void send(KafkaProducer<String, byte[]> producer, SluiceSerdes serdes, Topics topics, String id)
            throws Exception {
        LlmRequest r = LlmRequest.of(id, "acme", "Summarise ticket " + id, Instant.now());
        producer.send(new ProducerRecord<>(
                        topics.requests(),
                        "acme",
                        serdes.requests().serializer().serialize(topics.requests(), r)))
                .get();
    }
}
