package dev.sluice.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.BatchState;
import dev.sluice.model.CostBasis;
import dev.sluice.model.CostEvent;
import dev.sluice.model.JobState;
import dev.sluice.model.JobStatus;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.Message;
import dev.sluice.model.Priority;
import dev.sluice.model.ProviderBatch;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.Tier;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.catalogue.Pricing;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.registry.RestSchemaRegistry;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.sim.ProviderSimulator;
import dev.sluice.sim.SimConfig;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * The batch path on a real broker against the simulator's Batch APIs: jobs from llm.jobs.batch
 * grouped into OpenAI and Anthropic batches, lines that failed or expired sent through the
 * synchronous path, and every job completed once, at batch prices where the batch answered it.
 */
@SluiceKafka
class BatchIT {
    static final String FAIL = "[sim:batch-fail]";
    static final String EXPIRE = "[sim:batch-expire]";

    private final ModelCatalogue catalogue = ModelCatalogue.loadDefault();

    /** A batch job for one model; {@code marker} goes into its prompt, {@code deadline} may be null. */
    static LlmJob job(String id, String model, String marker, Instant deadline) {
        LlmRequest r = new LlmRequest(
                id,
                "tenant-" + (id.hashCode() & 3),
                null,
                null,
                Priority.LOW,
                deadline,
                null,
                null,
                List.of(Message.user("Summarise report " + id + (marker == null ? "" : " " + marker))),
                64,
                0.0,
                null,
                null,
                Map.of(),
                Instant.now());
        return new LlmJob(
                r, Tier.SMALL, List.of(model), 20, 10, null, null, "deadline far away", 0, true, false, Instant.now());
    }

    static Map<String, String> config(KafkaStack kafka, String prefix, ProviderSimulator sim) {
        Map<String, String> values = new HashMap<>(kafka.serviceConfig(prefix));
        values.put("providers.names", "openai,anthropic");
        values.put("providers.openai.base.url", sim.baseUrl());
        values.put("providers.openai.api.key", "sk-it");
        values.put("providers.anthropic.base.url", sim.baseUrl());
        values.put("providers.anthropic.api.key", "sk-it");
        values.put("worker.batch.max.lines", "25");
        values.put("worker.batch.max.age", "500ms");
        values.put("worker.batch.poll.interval", "200ms");
        values.put("worker.batch.poll.max.interval", "1s");
        return values;
    }

    static WorkerConfig workerConfig(Map<String, String> values) {
        return Settings.read(ConfigSource.of(values), WorkerConfig::read);
    }

    static void send(KafkaProducer<String, byte[]> producer, SluiceSerdes serdes, Topics topics, List<LlmJob> jobs) {
        for (LlmJob job : jobs) {
            producer.send(new ProducerRecord<>(
                    topics.jobsBatch(),
                    job.requestId(),
                    serdes.jobs().serializer().serialize(topics.jobsBatch(), job)));
        }
        producer.flush();
    }

    /**
     * Reads the topic until it has {@code atLeast} records, then reads it whole once more, for
     * three seconds, so that a record arriving after the count (a second completion) is seen too.
     */
    static <T> List<T> read(KafkaStack kafka, String topic, Function<byte[], T> decode, int atLeast, Duration timeout) {
        kafka.readUntil(topic, r -> r.size() >= atLeast, timeout);
        return kafka.readUntil(topic, r -> false, Duration.ofSeconds(3)).stream()
                .map(r -> decode.apply(r.value()))
                .toList();
    }

    @Test
    void shouldCompleteEveryJobOnceAtBatchPricesAndRedriveFailedAndExpiredLines(KafkaStack kafka) throws Exception {
        String prefix = kafka.newPrefix();
        Topics topics = new Topics(prefix);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        try (ProviderSimulator sim = ProviderSimulator.start(
                SimConfig.defaults().withApiKeys(Set.of("sk-it")).withBatchProcessingTime(Duration.ofSeconds(2)))) {
            // Given batch jobs for an OpenAI and an Anthropic model, one in ten failing in its batch
            // and one in ten expiring there, and two such jobs whose deadline leaves no time to retry
            Map<String, LlmJob> jobs = new LinkedHashMap<>();
            for (int i = 0; i < 70; i++) {
                String model = i < 40 ? "gpt-4.1-mini" : "claude-haiku-4-5";
                String marker = i % 10 == 1 ? FAIL : i % 10 == 2 ? EXPIRE : null;
                jobs.put(
                        "b-" + i,
                        job("b-" + i, model, marker, i % 10 == 3 ? Instant.now().plusSeconds(7200) : null));
            }
            Instant soon = Instant.now().plusSeconds(40);
            jobs.put("late-expire", job("late-expire", "gpt-4.1-mini", EXPIRE, soon));
            jobs.put("late-fail", job("late-fail", "claude-haiku-4-5", FAIL, soon));

            Map<String, String> values = config(kafka, prefix, sim);
            values.put("worker.batch.forget.after", "2s");
            try (WorkerService worker = new WorkerService(workerConfig(values));
                    var producer = kafka.producer()) {
                worker.start();
                send(producer, serdes, topics, List.copyOf(jobs.values()));

                // Then every job has exactly one completion
                List<LlmResult> completions = read(
                        kafka,
                        topics.completions(),
                        v -> serdes.results().deserializer().deserialize(topics.completions(), v),
                        jobs.size(),
                        Duration.ofSeconds(90));
                Map<String, LlmResult> byId =
                        completions.stream().collect(Collectors.toMap(LlmResult::requestId, r -> r));
                assertThat(completions).hasSize(jobs.size());
                assertThat(byId.keySet()).isEqualTo(jobs.keySet());

                // answered in the batch at batch prices, or through the sync path after a failed or expired line
                for (LlmJob job : jobs.values()) {
                    LlmResult r = byId.get(job.requestId());
                    String prompt = job.request().messages().getFirst().content();
                    if (job.requestId().equals("late-expire")) {
                        assertThat(r.status()).isEqualTo(ResultStatus.EXPIRED);
                        assertThat(r.error().code()).isEqualTo(FailureCodes.BATCH_EXPIRED);
                    } else if (job.requestId().equals("late-fail")) {
                        assertThat(r.status()).isEqualTo(ResultStatus.FAILED);
                        assertThat(r.error().code()).isEqualTo(FailureCodes.PROVIDER_UNAVAILABLE);
                        assertThat(r.error().message()).contains("deadline");
                    } else {
                        assertThat(r.status()).as(job.requestId()).isEqualTo(ResultStatus.SUCCEEDED);
                        boolean redriven = prompt.contains(FAIL) || prompt.contains(EXPIRE);
                        assertThat(r.batch())
                                .as(job.requestId() + " answered by its batch")
                                .isEqualTo(!redriven);
                        assertThat(r.output()).isNotBlank();
                    }
                }

                List<CostEvent> costs = read(
                        kafka,
                        topics.costEvents(),
                        v -> serdes.costEvents().deserializer().deserialize(topics.costEvents(), v),
                        70,
                        Duration.ofSeconds(30));
                assertThat(costs).hasSize(70).extracting(CostEvent::requestId).doesNotHaveDuplicates();
                assertThat(costs).allSatisfy(c -> {
                    assertThat(c.costMicros())
                            .isEqualTo(Pricing.costMicros(catalogue.require(c.model()), c.usage(), c.basis()));
                    assertThat(byId.get(c.requestId()).costMicros()).isEqualTo(c.costMicros());
                });
                List<CostEvent> batched =
                        costs.stream().filter(c -> c.basis() == CostBasis.BATCH).toList();
                assertThat(batched).hasSize(56).allSatisfy(c -> {
                    assertThat(c.batchId()).startsWith("sb-");
                    assertThat(c.costMicros())
                            .isLessThan(Pricing.costMicros(catalogue.require(c.model()), c.usage(), CostBasis.SYNC));
                });

                // and every job was BATCH_SUBMITTED with its provider batch id
                List<JobStatus> statuses = read(
                        kafka,
                        topics.jobEvents(),
                        v -> serdes.jobStatus().deserializer().deserialize(topics.jobEvents(), v),
                        jobs.size(),
                        Duration.ofSeconds(30));
                Map<String, String> submittedTo = statuses.stream()
                        .filter(s -> s.state() == JobState.BATCH_SUBMITTED)
                        .collect(Collectors.toMap(JobStatus::requestId, JobStatus::batchId));
                assertThat(submittedTo.keySet()).isEqualTo(jobs.keySet());
                assertThat(submittedTo)
                        .allSatisfy((id, batch) -> assertThat(batch)
                                .matches(
                                        byId.get(id).requestId().startsWith("b-")
                                                                && Integer.parseInt(id.substring(2)) >= 40
                                                        || id.equals("late-fail")
                                                ? "msgbatch_.+"
                                                : "batch_.+"));

                // and each batch was submitted once and ended COLLECTED with every line accounted for
                Map<String, ProviderBatch> batches = new HashMap<>();
                kafka.readAll(topics.batches(), Duration.ofSeconds(30)).stream()
                        .filter(r -> r.value() != null)
                        .map(r -> serdes.batches().deserializer().deserialize(topics.batches(), r.value()))
                        .forEach(b -> batches.put(b.batchId(), b));
                assertThat(batches.values()).allSatisfy(b -> {
                    assertThat(b.state()).isEqualTo(BatchState.COLLECTED);
                    assertThat(b.succeeded() + b.failed() + b.expired() + b.redriven())
                            .isEqualTo(b.jobs().size());
                });
                assertThat(batches.values().stream()
                                .mapToInt(b -> b.jobs().size())
                                .sum())
                        .isEqualTo(jobs.size());
                assertThat(sim.stats().batchesCreated("openai") + sim.stats().batchesCreated("anthropic"))
                        .isEqualTo(batches.size());
                assertThat(sim.stats().resubmittedCustomIds()).isZero();
                assertThat(sim.stats().requests("POST /v1/chat/completions"))
                        .as("OpenAI lines re-driven")
                        .isEqualTo(8);
                assertThat(sim.stats().requests("POST /v1/messages"))
                        .as("Anthropic lines re-driven")
                        .isEqualTo(6);

                // and the worker's metrics count them
                String metrics = java.net.http.HttpClient.newHttpClient()
                        .send(
                                java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                                                "http://127.0.0.1:" + worker.opsPort() + "/metrics"))
                                        .build(),
                                java.net.http.HttpResponse.BodyHandlers.ofString())
                        .body();
                assertThat(metrics)
                        .contains("sluice_worker_jobs_total{service=\"worker-pool\",status=\"BATCHED\"} " + jobs.size()
                                + ".0")
                        .contains("sluice_worker_batches_open{service=\"worker-pool\"} 0.0");

                // and, once finished for worker.batch.forget.after, each batch is removed from the topic
                List<String> tombstones = kafka
                        .readUntil(
                                topics.batches(),
                                r -> r.stream().filter(x -> x.value() == null).count() >= batches.size(),
                                Duration.ofSeconds(30))
                        .stream()
                        .filter(r -> r.value() == null)
                        .map(r -> r.key())
                        .toList();
                assertThat(tombstones).containsExactlyInAnyOrderElementsOf(batches.keySet());
            }
        }
    }

    /**
     * A batch line whose answer does not fit llm.completions (topics.max.record.bytes at its
     * 64 KiB minimum): the simulator rambles on to the 20,000-token cap, about 100 KB.
     */
    @Test
    void shouldEndABatchJobWhoseAnswerIsTooLargeFailedOutputTooLargeKeepingItsCost(KafkaStack kafka) throws Exception {
        String prefix = kafka.newPrefix();
        Topics topics = new Topics(prefix);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        try (ProviderSimulator sim = ProviderSimulator.start(
                SimConfig.defaults().withApiKeys(Set.of("sk-it")).withBatchProcessingTime(Duration.ofSeconds(1)))) {
            // Given a batch job asking for a long answer, and an ordinary one in the same batch
            LlmRequest longOne = new LlmRequest(
                    "long-1",
                    "acme",
                    null,
                    null,
                    Priority.LOW,
                    null,
                    null,
                    null,
                    List.of(Message.user("Go on and on [sim:long-output]")),
                    20_000,
                    0.0,
                    null,
                    null,
                    Map.of(),
                    Instant.now());
            List<LlmJob> jobs = List.of(
                    new LlmJob(
                            longOne,
                            Tier.SMALL,
                            List.of("gpt-4.1-mini"),
                            20,
                            20_000,
                            null,
                            null,
                            "deadline far away",
                            0,
                            true,
                            false,
                            Instant.now()),
                    job("short-1", "gpt-4.1-mini", null, null));
            Map<String, String> values = config(kafka, prefix, sim);
            values.put("topics.max.record.bytes", "64KB");
            try (WorkerService worker = new WorkerService(workerConfig(values));
                    var producer = kafka.producer()) {
                worker.start();
                send(producer, serdes, topics, jobs);

                // Then the long one ends FAILED OUTPUT_TOO_LARGE, billed at batch prices, and the other succeeds
                Map<String, LlmResult> byId = read(
                                kafka,
                                topics.completions(),
                                v -> serdes.results().deserializer().deserialize(topics.completions(), v),
                                2,
                                Duration.ofSeconds(60))
                        .stream()
                        .collect(Collectors.toMap(LlmResult::requestId, r -> r));
                assertThat(byId.keySet()).containsExactlyInAnyOrder("long-1", "short-1");
                Map<String, CostEvent> costs = read(
                                kafka,
                                topics.costEvents(),
                                v -> serdes.costEvents().deserializer().deserialize(topics.costEvents(), v),
                                2,
                                Duration.ofSeconds(30))
                        .stream()
                        .collect(Collectors.toMap(CostEvent::requestId, c -> c));
                assertThat(byId.get("long-1")).satisfies(r -> {
                    assertThat(r.status()).isEqualTo(ResultStatus.FAILED);
                    assertThat(r.error().code()).isEqualTo("OUTPUT_TOO_LARGE");
                    assertThat(r.error().message()).contains("65536");
                    assertThat(r.output()).isNull();
                    assertThat(r.batch()).isTrue();
                    assertThat(r.usage().outputTokens()).isGreaterThan(10_000);
                    assertThat(r.costMicros())
                            .isPositive()
                            .isEqualTo(costs.get("long-1").costMicros());
                });
                assertThat(costs.get("long-1").basis()).isEqualTo(CostBasis.BATCH);
                assertThat(byId.get("short-1").status()).isEqualTo(ResultStatus.SUCCEEDED);
                assertThat(byId.get("short-1").output()).isNotBlank();

                // and the batch and the worker's metrics count it as what it ended as
                ProviderBatch batch = kafka
                        .readUntil(
                                topics.batches(),
                                r -> r.stream()
                                        .anyMatch(x -> x.value() != null
                                                && serdes.batches()
                                                                .deserializer()
                                                                .deserialize(topics.batches(), x.value())
                                                                .state()
                                                        == BatchState.COLLECTED),
                                Duration.ofSeconds(30))
                        .stream()
                        .filter(r -> r.value() != null)
                        .map(r -> serdes.batches().deserializer().deserialize(topics.batches(), r.value()))
                        .filter(b -> b.state() == BatchState.COLLECTED)
                        .findFirst()
                        .orElseThrow();
                assertThat(batch.succeeded()).isEqualTo(1);
                assertThat(batch.failed()).isEqualTo(1);
                String metrics = java.net.http.HttpClient.newHttpClient()
                        .send(
                                java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                                                "http://127.0.0.1:" + worker.opsPort() + "/metrics"))
                                        .build(),
                                java.net.http.HttpResponse.BodyHandlers.ofString())
                        .body();
                assertThat(metrics).contains("sluice_worker_outputs_too_large_total{service=\"worker-pool\"} 1.0");
                assertThat(worker.health().up()).isTrue();
            }
        }
    }
}
