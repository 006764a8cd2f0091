package dev.sluice.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.model.BatchJob;
import dev.sluice.model.BatchState;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmResult;
import dev.sluice.model.ProviderBatch;
import dev.sluice.model.ResultStatus;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.runtime.config.Secret;
import dev.sluice.runtime.kafka.TopicCreator;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.registry.RestSchemaRegistry;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.sim.ProviderSimulator;
import dev.sluice.sim.SimConfig;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import dev.sluice.worker.provider.AnthropicBatchApi;
import dev.sluice.worker.provider.BatchApi;
import dev.sluice.worker.provider.HttpSettings;
import dev.sluice.worker.provider.OpenAiBatchApi;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batches across crashes: a worker that died between the provider's answer and the record (an
 * orphan batch, adopted), one that died before asking the provider (an intent, submitted), and a
 * worker JVM killed with three batches in flight. Every job completes once, and no batch is
 * submitted twice.
 */
@SluiceKafka
class BatchRecoveryIT {
    private static final ModelCatalogue CATALOGUE = ModelCatalogue.loadDefault();
    private static final ModelSpec GPT = CATALOGUE.require("gpt-4.1-mini");
    private static final ModelSpec CLAUDE = CATALOGUE.require("claude-haiku-4-5");

    private static List<BatchJob> queue(
            KafkaProducer<String, byte[]> producer, SluiceSerdes serdes, Topics topics, List<LlmJob> jobs)
            throws Exception {
        List<BatchJob> where = new ArrayList<>();
        for (LlmJob job : jobs) {
            RecordMetadata ack = producer.send(new ProducerRecord<>(
                            topics.jobsBatch(),
                            job.requestId(),
                            serdes.jobs().serializer().serialize(topics.jobsBatch(), job)))
                    .get();
            where.add(new BatchJob(job.requestId(), job.tenantId(), ack.partition(), ack.offset()));
        }
        return where;
    }

    private static List<LlmJob> jobs(String prefix, ModelSpec model, int n) {
        List<LlmJob> jobs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            jobs.add(BatchIT.job(prefix + i, model.name(), null, null));
        }
        return jobs;
    }

    private static void record(
            KafkaProducer<String, byte[]> producer, SluiceSerdes serdes, Topics topics, ProviderBatch batch)
            throws Exception {
        producer.send(new ProducerRecord<>(
                        topics.batches(),
                        batch.batchId(),
                        serdes.batches().serializer().serialize(topics.batches(), batch)))
                .get();
    }

    @Test
    void shouldAdoptOrphanBatchesAndSubmitIntentsThatNeverReachedTheProvider(KafkaStack kafka) throws Exception {
        String prefix = kafka.newPrefix();
        Topics topics = new Topics(prefix);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        try (ProviderSimulator sim = ProviderSimulator.start(SimConfig.defaults()
                        .withApiKeys(Set.of("sk-it"))
                        .withBatchProcessingTime(Duration.ofSeconds(2)));
                var producer = kafka.producer()) {
            Map<String, String> values = BatchIT.config(kafka, prefix, sim);
            values.put("worker.batch.submit.grace", "1s");
            WorkerConfig config = BatchIT.workerConfig(values);
            TopicCreator.ensure(config.kafka());
            OpenAiBatchApi openAi = new OpenAiBatchApi(
                    "openai", sim.baseUrl(), Secret.of("sk-it"), HttpSettings.of(Duration.ofSeconds(10)));
            AnthropicBatchApi anthropic = new AnthropicBatchApi(
                    "anthropic", sim.baseUrl(), Secret.of("sk-it"), HttpSettings.of(Duration.ofSeconds(10)));

            // Given a worker that died after each provider took its batch and before the record said so
            List<LlmJob> gptJobs = jobs("orphan-gpt-", GPT, 10);
            ProviderBatch gptIntent = ProviderBatch.intent(
                    "sb-orphan-gpt", "openai", GPT.name(), queue(producer, serdes, topics, gptJobs), Instant.now());
            record(producer, serdes, topics, gptIntent);
            String gptBatch = openAi.submit(
                    gptIntent.batchId(),
                    GPT,
                    gptJobs.stream()
                            .map(j -> openAi.line(BatchApi.customId(j.requestId()), GPT, j))
                            .toList());
            List<LlmJob> claudeJobs = jobs("orphan-claude-", CLAUDE, 7);
            ProviderBatch claudeIntent = ProviderBatch.intent(
                    "sb-orphan-claude",
                    "anthropic",
                    CLAUDE.name(),
                    queue(producer, serdes, topics, claudeJobs),
                    Instant.now());
            record(producer, serdes, topics, claudeIntent);
            String claudeBatch = anthropic.submit(
                    claudeIntent.batchId(),
                    CLAUDE,
                    claudeJobs.stream()
                            .map(j -> anthropic.line(BatchApi.customId(j.requestId()), CLAUDE, j))
                            .toList());
            // and, created after it with as many lines, a batch another intent has on record
            List<LlmJob> claimedJobs = jobs("claimed-", CLAUDE, 7);
            ProviderBatch claimedIntent = ProviderBatch.intent(
                    "sb-claimed",
                    "anthropic",
                    CLAUDE.name(),
                    queue(producer, serdes, topics, claimedJobs),
                    Instant.now());
            String claimedBatch = anthropic.submit(
                    claimedIntent.batchId(),
                    CLAUDE,
                    claimedJobs.stream()
                            .map(j -> anthropic.line(BatchApi.customId(j.requestId()), CLAUDE, j))
                            .toList());
            record(producer, serdes, topics, claimedIntent.submitted(claimedBatch, Instant.now()));
            // and one that died after its intent, before asking the provider
            List<LlmJob> neverJobs = jobs("never-", GPT, 5);
            record(
                    producer,
                    serdes,
                    topics,
                    ProviderBatch.intent(
                            "sb-never",
                            "openai",
                            GPT.name(),
                            queue(producer, serdes, topics, neverJobs),
                            Instant.now()));
            // (the jobs' offsets were never committed: all 29 are delivered again)

            try (WorkerService worker = new WorkerService(config)) {
                worker.start();

                // Then every job completes once, answered by a batch
                List<LlmResult> completions = BatchIT.read(
                        kafka,
                        topics.completions(),
                        v -> serdes.results().deserializer().deserialize(topics.completions(), v),
                        29,
                        Duration.ofSeconds(60));
                assertThat(completions)
                        .hasSize(29)
                        .extracting(LlmResult::requestId)
                        .doesNotHaveDuplicates();
                assertThat(completions).allSatisfy(r -> {
                    assertThat(r.status()).isEqualTo(ResultStatus.SUCCEEDED);
                    assertThat(r.batch()).isTrue();
                });

                // and the orphans were adopted, the intent submitted, and nothing submitted twice
                Map<String, ProviderBatch> batches = new HashMap<>();
                BatchIT.read(
                                kafka,
                                topics.batches(),
                                v -> serdes.batches().deserializer().deserialize(topics.batches(), v),
                                1,
                                Duration.ofSeconds(5))
                        .forEach(b -> batches.put(b.batchId(), b));
                assertThat(batches).containsOnlyKeys("sb-orphan-gpt", "sb-orphan-claude", "sb-claimed", "sb-never");
                assertThat(batches.get("sb-orphan-gpt").providerBatchId()).isEqualTo(gptBatch);
                assertThat(batches.get("sb-orphan-claude").providerBatchId())
                        .as("not the newer, claimed one")
                        .isEqualTo(claudeBatch);
                assertThat(batches.get("sb-claimed").providerBatchId()).isEqualTo(claimedBatch);
                assertThat(batches.values())
                        .allSatisfy(b -> assertThat(b.state()).isEqualTo(BatchState.COLLECTED));
                assertThat(sim.stats().batchesCreated("openai")).isEqualTo(2);
                assertThat(sim.stats().batchesCreated("anthropic")).isEqualTo(2);
                assertThat(sim.stats().resubmittedCustomIds()).isZero();
                assertThat(sim.stats().requests("POST /v1/chat/completions")).isZero();
            }
        }
    }

    @Test
    void shouldCompleteEveryJobOnceWhenAWorkerIsKilledWithThreeBatchesInFlight(KafkaStack kafka, @TempDir Path dir)
            throws Exception {
        String prefix = kafka.newPrefix();
        Topics topics = new Topics(prefix);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        Process a = null;
        try (ProviderSimulator sim = ProviderSimulator.start(SimConfig.defaults()
                        .withApiKeys(Set.of("sk-it"))
                        .withBatchProcessingTime(Duration.ofSeconds(6)));
                var producer = kafka.producer()) {
            Map<String, String> values = BatchIT.config(kafka, prefix, sim);
            values.put("providers.names", "openai");
            values.keySet().removeIf(k -> k.startsWith("providers.anthropic."));
            values.put("worker.batch.max.lines", "20");
            values.put("worker.batch.max.age", "300ms");
            // Offsets of jobs already in a batch may be uncommitted at the kill: B must not batch them again.
            values.put("worker.commit.interval", "5s");
            // A may die between the provider's answer and the record: B looks for that batch after 3 s.
            values.put("worker.batch.submit.grace", "3s");
            values.put("kafka.client.session.timeout.ms", "6000");
            values.put("kafka.client.heartbeat.interval.ms", "1000");
            WorkerConfig configB = BatchIT.workerConfig(values);
            TopicCreator.ensure(configB.kafka());

            // Given 60 batch jobs and worker A, in its own JVM, with their three batches at the provider
            List<LlmJob> jobs = jobs("kill-", GPT, 60);
            queue(producer, serdes, topics, jobs);
            a = WorkerCrashIT.startWorkerProcess(values, sim, dir, dir.resolve("worker-a.log"));
            Process workerA = a;
            await().alias("three batches submitted")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .failFast("worker A exited", () -> !workerA.isAlive())
                    .until(() -> sim.stats().batchesCreated("openai") >= 3);
            // When A is killed while they run
            a.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            assertThat(sim.stats().batchLines("succeeded"))
                    .as("lines ended before the kill")
                    .isZero();

            // and worker B takes over
            try (WorkerService b = new WorkerService(configB)) {
                b.start();

                // Then every job completes once, from the batches A submitted
                List<LlmResult> completions = BatchIT.read(
                        kafka,
                        topics.completions(),
                        v -> serdes.results().deserializer().deserialize(topics.completions(), v),
                        60,
                        Duration.ofSeconds(90));
                Map<String, Long> perJob = completions.stream()
                        .collect(Collectors.groupingBy(LlmResult::requestId, Collectors.counting()));
                assertThat(perJob)
                        .as("completions per job")
                        .hasSize(60)
                        .allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
                assertThat(completions).allSatisfy(r -> {
                    assertThat(r.status()).isEqualTo(ResultStatus.SUCCEEDED);
                    assertThat(r.batch()).isTrue();
                });
                await().alias("3 batches created, and no fourth for 2 s")
                        .during(Duration.ofSeconds(2))
                        .atMost(Duration.ofSeconds(5))
                        .until(() -> sim.stats().batchesCreated("openai") == 3);
                assertThat(sim.stats().resubmittedCustomIds()).isZero();
                assertThat(sim.stats().requests("POST /v1/chat/completions")).isZero();
            }
        } finally {
            if (a != null && a.isAlive()) {
                a.destroyForcibly();
            }
        }
    }
}
