package dev.sluice.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.CostEvent;
import dev.sluice.model.DeadLetter;
import dev.sluice.model.JobState;
import dev.sluice.model.JobStatus;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.Priority;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.Tier;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.catalogue.Pricing;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.TopicCreator;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.registry.RestSchemaRegistry;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.sim.ProviderSimulator;
import dev.sluice.sim.SimConfig;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

@SluiceKafka
class WorkerIT {

    /** The worker's configuration with OpenAI on the simulator, to add to. */
    /** A job of the SMALL tier for {@code r}, as the router would write it to {@code topic}. */
    private static ProducerRecord<String, byte[]> smallJob(
            SluiceSerdes serdes, ModelCatalogue catalogue, String topic, LlmRequest r) {
        return new ProducerRecord<>(
                topic,
                r.requestId(),
                serdes.jobs()
                        .serializer()
                        .serialize(
                                topic,
                                new LlmJob(
                                        r,
                                        Tier.SMALL,
                                        catalogue.chain(Tier.SMALL),
                                        10,
                                        100,
                                        null,
                                        null,
                                        "it",
                                        0,
                                        false,
                                        false,
                                        Instant.now())));
    }

    private static Map<String, String> onSimulator(KafkaStack kafka, String prefix, ProviderSimulator sim) {
        Map<String, String> values = new HashMap<>(kafka.serviceConfig(prefix));
        values.put("providers.openai.base.url", sim.baseUrl());
        values.put("providers.openai.api.key", "sk-it");
        return values;
    }

    @Test
    void shouldCompleteEveryJobWithACompletionAndACostEventPricedFromTheCatalogue(KafkaStack kafka) throws Exception {
        String prefix = kafka.newPrefix();
        Topics topics = new Topics(prefix);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        ModelCatalogue catalogue = ModelCatalogue.loadDefault();
        try (ProviderSimulator sim = ProviderSimulator.start(SimConfig.defaults()
                .withLatency(Duration.ofMillis(20), Duration.ofMillis(20))
                .withApiKeys(Set.of("sk-it")))) {
            Map<String, String> values = onSimulator(kafka, prefix, sim);
            values.put("worker.max.in.flight", "16");
            // Every job's RUNNING at once, before its call (20 ms here), so that each can be counted.
            values.put("worker.running.event.after", "0");
            // The patient job below runs the synchronous way; BatchIT covers the Batch APIs.
            values.put("worker.batch.sync", "true");
            Settings settings = new Settings(ConfigSource.of(values));
            WorkerConfig config = WorkerConfig.read(settings);
            settings.validate();

            try (WorkerService worker = new WorkerService(config);
                    var producer = kafka.producer()) {
                worker.start();
                int jobs = 120;
                for (int i = 0; i < jobs; i++) {
                    Tier tier = List.of(Tier.SMALL, Tier.MEDIUM, Tier.LARGE).get(i % 3);
                    Priority priority = Priority.values()[i % 3];
                    LlmRequest r = LlmRequest.of("job-" + i, "tenant-" + (i % 4), "Explain item " + i, Instant.now());
                    LlmJob job = new LlmJob(
                            r, tier, catalogue.chain(tier), 10, 100, null, null, "it", 0, false, false, Instant.now());
                    String topic = topics.job(tier, priority);
                    producer.send(new ProducerRecord<>(
                            topic, r.requestId(), serdes.jobs().serializer().serialize(topic, job)));
                }
                String medium = topics.job(Tier.MEDIUM, Priority.NORMAL);
                producer.send(new ProducerRecord<>(medium, "broken", "not a job".getBytes(StandardCharsets.UTF_8)));
                LlmRequest odd = LlmRequest.of("no-chain", "tenant-0", "A job someone wrote by hand", Instant.now());
                producer.send(new ProducerRecord<>(
                        medium,
                        odd.requestId(),
                        serdes.jobs()
                                .serializer()
                                .serialize(
                                        medium,
                                        new LlmJob(
                                                odd,
                                                Tier.MEDIUM,
                                                List.of(),
                                                0,
                                                0,
                                                null,
                                                null,
                                                "hand-made",
                                                0,
                                                false,
                                                false,
                                                Instant.now()))));
                LlmRequest patient = LlmRequest.of("batch-1", "tenant-1", "Can wait till tomorrow", Instant.now());
                producer.send(new ProducerRecord<>(
                        topics.jobsBatch(),
                        patient.requestId(),
                        serdes.jobs()
                                .serializer()
                                .serialize(
                                        topics.jobsBatch(),
                                        new LlmJob(
                                                patient,
                                                Tier.MEDIUM,
                                                catalogue.chain(Tier.MEDIUM),
                                                5,
                                                50,
                                                null,
                                                null,
                                                "batch",
                                                0,
                                                true,
                                                false,
                                                Instant.now()))));
                producer.flush();

                List<LlmResult> all =
                        kafka
                                .readUntil(topics.completions(), r -> r.size() >= jobs + 2, Duration.ofSeconds(90))
                                .stream()
                                .map(r -> serdes.results().deserializer().deserialize(topics.completions(), r.value()))
                                .toList();
                assertThat(all).hasSize(jobs + 2);
                assertThat(all)
                        .filteredOn(r -> r.requestId().equals("batch-1"))
                        .singleElement()
                        .satisfies(r -> assertThat(r.status())
                                .as("llm.jobs.batch served through the sync path")
                                .isEqualTo(ResultStatus.SUCCEEDED));
                assertThat(all)
                        .filteredOn(r -> r.requestId().equals("no-chain"))
                        .singleElement()
                        .satisfies(r -> {
                            assertThat(r.status()).isEqualTo(ResultStatus.FAILED);
                            assertThat(r.error().code()).isEqualTo("NO_PROVIDER");
                        });
                List<LlmResult> results = all.stream()
                        .filter(r -> !r.requestId().equals("no-chain")
                                && !r.requestId().equals("batch-1"))
                        .toList();
                assertThat(results).hasSize(jobs);
                assertThat(results).allSatisfy(r -> {
                    assertThat(r.status()).isEqualTo(ResultStatus.SUCCEEDED);
                    assertThat(r.output()).isNotBlank();
                    assertThat(r.provider()).isEqualTo("openai");
                    assertThat(r.startedAt()).isNotNull();
                });
                assertThat(results).extracting(LlmResult::requestId).doesNotHaveDuplicates();

                List<CostEvent> costs =
                        kafka.readUntil(topics.costEvents(), r -> r.size() >= jobs + 1, Duration.ofSeconds(30)).stream()
                                .map(r ->
                                        serdes.costEvents().deserializer().deserialize(topics.costEvents(), r.value()))
                                .toList();
                assertThat(costs).hasSize(jobs + 1);
                assertThat(costs).extracting(CostEvent::eventId).doesNotHaveDuplicates();
                assertThat(costs)
                        .allSatisfy(c -> assertThat(c.costMicros())
                                .isEqualTo(Pricing.costMicros(catalogue.require(c.model()), c.usage(), c.basis())));
                Map<String, Long> costByRequest = costs.stream()
                        .filter(c -> !c.requestId().equals("batch-1"))
                        .collect(Collectors.toMap(CostEvent::requestId, CostEvent::costMicros));
                assertThat(results)
                        .allSatisfy(r -> assertThat(r.costMicros()).isEqualTo(costByRequest.get(r.requestId())));

                List<JobStatus> running =
                        kafka.readUntil(topics.jobEvents(), r -> r.size() >= jobs + 2, Duration.ofSeconds(30)).stream()
                                .map(r -> serdes.jobStatus().deserializer().deserialize(topics.jobEvents(), r.value()))
                                .toList();
                assertThat(running)
                        .hasSize(jobs + 2)
                        .allSatisfy(s -> assertThat(s.state()).isEqualTo(JobState.RUNNING));

                DeadLetter letter = serdes.deadLetters()
                        .deserializer()
                        .deserialize(
                                topics.deadLetters(),
                                kafka.readUntil(topics.deadLetters(), r -> !r.isEmpty(), Duration.ofSeconds(30))
                                        .getFirst()
                                        .value());
                assertThat(letter.service()).isEqualTo("worker-pool");
                assertThat(letter.sourceTopic()).isEqualTo(medium);
                assertThat(new String(letter.originalValue(), StandardCharsets.UTF_8))
                        .isEqualTo("not a job");

                assertThat(sim.stats().requests("POST /v1/chat/completions")).isEqualTo(jobs + 1);
                assertThat(worker.health().up()).isTrue();
            }
        }
    }

    @Test
    void shouldCompleteEveryJobThroughTheAnthropicFallbackWhenOpenAiIsDownForTheWholeRun(KafkaStack kafka)
            throws Exception {
        String prefix = kafka.newPrefix();
        Topics topics = new Topics(prefix);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        ModelCatalogue catalogue = ModelCatalogue.loadDefault();
        try (ProviderSimulator openai = ProviderSimulator.start(
                        SimConfig.defaults().withApiKeys(Set.of("sk-it")).withFaultRates(Map.of(503, 1.0)));
                ProviderSimulator anthropic = ProviderSimulator.start(SimConfig.defaults()
                        .withLatency(Duration.ofMillis(20), Duration.ofMillis(20))
                        .withApiKeys(Set.of("sk-ant-it")))) {
            Map<String, String> values = new HashMap<>(kafka.serviceConfig(prefix));
            values.put("providers.names", "openai,anthropic");
            values.put("providers.openai.base.url", openai.baseUrl());
            values.put("providers.openai.api.key", "sk-it");
            values.put("providers.anthropic.base.url", anthropic.baseUrl());
            values.put("providers.anthropic.api.key", "sk-ant-it");
            Settings settings = new Settings(ConfigSource.of(values));
            WorkerConfig config = WorkerConfig.read(settings);
            settings.validate();

            try (WorkerService worker = new WorkerService(config);
                    var producer = kafka.producer()) {
                worker.start();
                int jobs = 45;
                for (int i = 0; i < jobs; i++) {
                    Tier tier = List.of(Tier.SMALL, Tier.MEDIUM, Tier.LARGE).get(i % 3);
                    LlmRequest r = new LlmRequest(
                            "fb-" + i,
                            "tenant-" + (i % 3),
                            null,
                            null,
                            Priority.NORMAL,
                            null,
                            null,
                            null,
                            List.of(
                                    dev.sluice.model.Message.system("Answer in one line."),
                                    dev.sluice.model.Message.user("Explain item " + i)),
                            64,
                            0.2,
                            null,
                            null,
                            Map.of(),
                            Instant.now());
                    LlmJob job = new LlmJob(
                            r, tier, catalogue.chain(tier), 10, 100, null, null, "it", 0, false, false, Instant.now());
                    String topic = topics.job(tier, Priority.NORMAL);
                    producer.send(new ProducerRecord<>(
                            topic, r.requestId(), serdes.jobs().serializer().serialize(topic, job)));
                }
                producer.flush();

                List<LlmResult> results =
                        kafka.readUntil(topics.completions(), r -> r.size() >= jobs, Duration.ofSeconds(90)).stream()
                                .map(r -> serdes.results().deserializer().deserialize(topics.completions(), r.value()))
                                .toList();
                assertThat(results)
                        .hasSize(jobs)
                        .extracting(LlmResult::requestId)
                        .doesNotHaveDuplicates();
                assertThat(results).allSatisfy(r -> {
                    assertThat(r.status()).isEqualTo(ResultStatus.SUCCEEDED);
                    assertThat(r.provider()).isEqualTo("anthropic");
                    assertThat(r.model()).startsWith("claude-");
                    assertThat(r.output()).isNotBlank();
                    assertThat(r.attempts().getLast().provider()).isEqualTo("anthropic");
                    assertThat(r.attempts().getLast().outcome()).isEqualTo("ok");
                    assertThat(r.attempts().subList(0, r.attempts().size() - 1))
                            .isNotEmpty()
                            .allSatisfy(a -> {
                                assertThat(a.provider()).isEqualTo("openai");
                                assertThat(a.outcome()).isIn("server_error", "circuit_open");
                            });
                });

                List<CostEvent> costs =
                        kafka.readUntil(topics.costEvents(), r -> r.size() >= jobs, Duration.ofSeconds(30)).stream()
                                .map(r ->
                                        serdes.costEvents().deserializer().deserialize(topics.costEvents(), r.value()))
                                .toList();
                assertThat(costs)
                        .as("a 503 is not billed: one cost event per Anthropic call")
                        .hasSize(jobs)
                        .allSatisfy(c -> {
                            assertThat(c.provider()).isEqualTo("anthropic");
                            assertThat(c.costMicros())
                                    .isPositive()
                                    .isEqualTo(Pricing.costMicros(catalogue.require(c.model()), c.usage(), c.basis()));
                        });
                // Up to three calls per job (two retries), but the breaker opens after ten failures
                // and spares OpenAI the retries.
                assertThat(openai.stats().requests("POST /v1/chat/completions")).isBetween(10L, 2L * jobs);
                assertThat(results)
                        .anySatisfy(r -> assertThat(r.attempts())
                                .extracting(a -> a.outcome())
                                .contains("circuit_open"));
                assertThat(anthropic.stats().requests("POST /v1/messages")).isEqualTo(jobs);
            }
        }
    }

    @Test
    void shouldLeaveTheGroupsLagAtZeroAfterFinishingJobsWrittenInTransactions(KafkaStack kafka) throws Exception {
        String prefix = kafka.newPrefix();
        Topics topics = new Topics(prefix);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        ModelCatalogue catalogue = ModelCatalogue.loadDefault();
        String topic = topics.job(Tier.SMALL, Priority.NORMAL);
        try (ProviderSimulator sim = ProviderSimulator.start(SimConfig.defaults()
                        .withLatency(Duration.ofMillis(10), Duration.ZERO)
                        .withApiKeys(Set.of("sk-it")));
                var admin = kafka.admin();
                // As the router writes jobs: in Kafka transactions, each ending in a marker.
                var router = new org.apache.kafka.clients.producer.KafkaProducer<String, byte[]>(
                        Map.of("bootstrap.servers", kafka.bootstrapServers(), "transactional.id", prefix + "router"),
                        new org.apache.kafka.common.serialization.StringSerializer(),
                        new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            Map<String, String> values = onSimulator(kafka, prefix, sim);
            values.put("worker.tiers", "small");
            WorkerConfig config = WorkerConfig.read(new Settings(ConfigSource.of(values)));
            router.initTransactions();
            java.util.function.IntConsumer send = i -> {
                LlmRequest r = LlmRequest.of("tx-" + i, "tenant-" + (i % 3), "Item " + i, Instant.now());
                router.send(smallJob(serdes, catalogue, topic, r));
            };

            try (WorkerService worker = new WorkerService(config)) {
                worker.start();
                for (int batch = 0; batch < 3; batch++) {
                    router.beginTransaction();
                    for (int i = batch * 10; i < batch * 10 + 10; i++) {
                        send.accept(i);
                    }
                    // The middle transaction is aborted once its jobs are on the log: they are never
                    // seen, and must not count as lag either.
                    router.flush();
                    if (batch == 1) {
                        router.abortTransaction();
                    } else {
                        router.commitTransaction();
                    }
                }
                List<LlmResult> results =
                        kafka.readUntil(topics.completions(), r -> r.size() >= 20, Duration.ofSeconds(60)).stream()
                                .map(r -> serdes.results().deserializer().deserialize(topics.completions(), r.value()))
                                .toList();
                assertThat(results)
                        .hasSize(20)
                        .extracting(LlmResult::requestId)
                        .doesNotHaveDuplicates()
                        .noneMatch(id -> id.matches("tx-1\\d"));

                List<org.apache.kafka.common.TopicPartition> partitions = java.util.stream.IntStream.range(0, 2)
                        .mapToObj(p -> new org.apache.kafka.common.TopicPartition(topic, p))
                        .toList();
                Map<org.apache.kafka.common.TopicPartition, Long> ends = admin
                        .listOffsets(partitions.stream()
                                .collect(Collectors.toMap(
                                        tp -> tp, tp -> org.apache.kafka.clients.admin.OffsetSpec.latest())))
                        .all()
                        .get()
                        .entrySet()
                        .stream()
                        .collect(Collectors.toMap(
                                Map.Entry::getKey, e -> e.getValue().offset()));
                assertThat(ends.values().stream().mapToLong(Long::longValue).sum())
                        .as("30 jobs and a marker per transaction and partition")
                        .isEqualTo(30 + 3 * 2);
                org.awaitility.Awaitility.await()
                        .alias("the group's committed offsets at the log ends (lag 0)")
                        .atMost(Duration.ofSeconds(30))
                        .untilAsserted(() -> {
                            Map<org.apache.kafka.common.TopicPartition, Long> committed = new HashMap<>();
                            admin.listConsumerGroupOffsets(config.groupId())
                                    .partitionsToOffsetAndMetadata()
                                    .get()
                                    .forEach((tp, o) -> {
                                        if (o != null && tp.topic().equals(topic)) {
                                            committed.put(tp, o.offset());
                                        }
                                    });
                            assertThat(committed).isEqualTo(ends);
                        });
            }
        }
    }

    @Test
    void shouldNotCallAProviderAgainForARedeliveredJobWhoseCompletionExists(KafkaStack kafka) throws Exception {
        String prefix = kafka.newPrefix();
        Topics topics = new Topics(prefix);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        ModelCatalogue catalogue = ModelCatalogue.loadDefault();
        try (ProviderSimulator sim = ProviderSimulator.start(SimConfig.defaults()
                        .withLatency(Duration.ofMillis(10), Duration.ofMillis(10))
                        .withApiKeys(Set.of("sk-it")));
                var producer = kafka.producer()) {
            Map<String, String> values = onSimulator(kafka, prefix, sim);
            values.put("worker.tiers", "small");
            String topic = topics.job(Tier.SMALL, Priority.NORMAL);
            java.util.function.IntConsumer send = i -> {
                LlmRequest r = LlmRequest.of("re-" + i, "tenant-" + (i % 2), "Item " + i, Instant.now());
                producer.send(smallJob(serdes, catalogue, topic, r));
            };

            values.put("worker.group.id", prefix + "first");
            try (WorkerService first = new WorkerService(WorkerConfig.read(new Settings(ConfigSource.of(values))))) {
                first.start();
                for (int i = 0; i < 20; i++) {
                    send.accept(i);
                }
                producer.flush();
                kafka.readUntil(topics.completions(), r -> r.size() >= 20, Duration.ofSeconds(60));
            }
            assertThat(sim.stats().requests("POST /v1/chat/completions")).isEqualTo(20);

            // A second group reads the job topic from its start: all 20 jobs come again, as they
            // would to a worker that took over after a crash before the offsets were committed.
            values.put("worker.group.id", prefix + "second");
            try (WorkerService second = new WorkerService(WorkerConfig.read(new Settings(ConfigSource.of(values))));
                    var admin = kafka.admin()) {
                second.start();
                for (int i = 20; i < 25; i++) {
                    send.accept(i);
                }
                producer.flush();
                org.awaitility.Awaitility.await()
                        .alias("the second group committed all 25 jobs")
                        .atMost(Duration.ofSeconds(60))
                        .until(() -> admin
                                        .listConsumerGroupOffsets(prefix + "second")
                                        .partitionsToOffsetAndMetadata()
                                        .get()
                                        .values()
                                        .stream()
                                        .mapToLong(o -> o.offset())
                                        .sum()
                                >= 25);
            }
            List<LlmResult> all =
                    kafka.readUntil(topics.completions(), r -> r.size() >= 25, Duration.ofSeconds(30)).stream()
                            .map(r -> serdes.results().deserializer().deserialize(topics.completions(), r.value()))
                            .toList();
            assertThat(all).hasSize(25).extracting(LlmResult::requestId).doesNotHaveDuplicates();
            assertThat(sim.stats().requests("POST /v1/chat/completions"))
                    .as("only the five new jobs were called")
                    .isEqualTo(25);
        }
    }

    /**
     * A call that lasts past {@code worker.running.event.after} gets its RUNNING event then, dated
     * when the job started; RunningEventsTest covers the call that ends first and gets none.
     */
    @Test
    void shouldWriteTheRunningEventOfALongCallOnceItHasLastedDatedWhenTheJobStarted(KafkaStack kafka) throws Exception {
        String prefix = kafka.newPrefix();
        Topics topics = new Topics(prefix);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        ModelCatalogue catalogue = ModelCatalogue.loadDefault();
        try (ProviderSimulator sim = ProviderSimulator.start(SimConfig.defaults()
                .withLatency(Duration.ofMillis(1500), Duration.ZERO)
                .withApiKeys(Set.of("sk-it")))) {
            Map<String, String> values = onSimulator(kafka, prefix, sim);
            values.put("worker.tiers", "small");
            values.put("worker.running.event.after", "300ms");
            try (WorkerService worker = new WorkerService(WorkerConfig.read(new Settings(ConfigSource.of(values))));
                    var producer = kafka.producer()) {
                worker.start();
                String topic = topics.job(Tier.SMALL, Priority.NORMAL);
                LlmRequest r = LlmRequest.of("slow-1", "acme", "Explain the slow one", Instant.now());
                producer.send(smallJob(serdes, catalogue, topic, r)).get();

                LlmResult result = serdes.results()
                        .deserializer()
                        .deserialize(
                                topics.completions(),
                                kafka.readUntil(topics.completions(), l -> !l.isEmpty(), Duration.ofSeconds(60))
                                        .getFirst()
                                        .value());
                var events = kafka.readUntil(topics.jobEvents(), l -> !l.isEmpty(), Duration.ofSeconds(30));
                assertThat(events).singleElement().satisfies(e -> {
                    JobStatus running = serdes.jobStatus().deserializer().deserialize(topics.jobEvents(), e.value());
                    assertThat(running.state()).isEqualTo(JobState.RUNNING);
                    assertThat(running.updatedAt())
                            .as("dated when the job started, just before its first call")
                            .isBetween(result.startedAt().minusSeconds(1), result.startedAt());
                    assertThat(e.timestamp() - running.updatedAt().toEpochMilli())
                            .as("written once it had lasted")
                            .isGreaterThanOrEqualTo(300);
                    assertThat(Instant.ofEpochMilli(e.timestamp())).isBefore(result.completedAt());
                });
            }
        }
    }

    /** llm.completions takes less than a completion: the broker refuses what the serializer let through. */
    @Test
    void shouldDeadLetterAJobWhoseCompletionTheBrokerRefusesAndGoOnWithTheNext(KafkaStack kafka) throws Exception {
        String prefix = kafka.newPrefix();
        Topics topics = new Topics(prefix);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        ModelCatalogue catalogue = ModelCatalogue.loadDefault();
        try (var admin = kafka.admin()) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topics.completions(), 3, (short) 1)
                            .configs(Map.of("max.message.bytes", "300"))))
                    .all()
                    .get();
            TopicCreator.awaitWritable(admin, List.of(topics.completions()), Duration.ofSeconds(30));
        }
        try (ProviderSimulator sim = ProviderSimulator.start(SimConfig.defaults()
                .withLatency(Duration.ofMillis(20), Duration.ofMillis(20))
                .withApiKeys(Set.of("sk-it")))) {
            Map<String, String> values = onSimulator(kafka, prefix, sim);
            values.put("worker.batch.sync", "true");
            try (WorkerService worker = new WorkerService(WorkerConfig.read(new Settings(ConfigSource.of(values))));
                    var producer = kafka.producer()) {
                worker.start();
                String topic = topics.job(Tier.SMALL, Priority.NORMAL);
                for (String id : List.of("refused-1", "refused-2")) {
                    LlmRequest r = LlmRequest.of(id, "acme", "Explain " + id, Instant.now());
                    producer.send(smallJob(serdes, catalogue, topic, r)).get();
                }

                List<DeadLetter> letters =
                        kafka.readUntil(topics.deadLetters(), r -> r.size() >= 2, Duration.ofSeconds(60)).stream()
                                .map(r -> serdes.deadLetters()
                                        .deserializer()
                                        .deserialize(topics.deadLetters(), r.value()))
                                .toList();
                assertThat(letters).hasSize(2).allSatisfy(d -> {
                    assertThat(d.sourceTopic()).isEqualTo(topic);
                    assertThat(d.stage()).isEqualTo("produce " + topics.completions());
                    assertThat(d.errorMessage()).contains("RecordTooLargeException");
                });
                assertThat(worker.health().up()).isTrue();
            }
        }
    }

    /**
     * A model answer that does not fit llm.completions (topics.max.record.bytes at its 64 KiB
     * minimum): the simulator rambles on to the 20,000-token cap, about 100 KB.
     */
    @Test
    void shouldEndAJobWhoseAnswerIsTooLargeFailedOutputTooLargeKeepingItsCostAndRunTheNext(KafkaStack kafka)
            throws Exception {
        String prefix = kafka.newPrefix();
        Topics topics = new Topics(prefix);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        try (ProviderSimulator sim = ProviderSimulator.start(SimConfig.defaults()
                .withLatency(Duration.ofMillis(10), Duration.ZERO)
                .withApiKeys(Set.of("sk-it")))) {
            Map<String, String> values = onSimulator(kafka, prefix, sim);
            values.put("worker.tiers", "small");
            values.put("topics.max.record.bytes", "64KB");
            try (WorkerService worker = new WorkerService(WorkerConfig.read(new Settings(ConfigSource.of(values))));
                    var producer = kafka.producer()) {
                worker.start();
                String topic = topics.job(Tier.SMALL, Priority.NORMAL);
                for (String id : List.of("long-1", "after-1")) {
                    String prompt = id.equals("long-1") ? "Go on and on [sim:long-output]" : "Explain " + id;
                    LlmRequest r = new LlmRequest(
                            id,
                            "acme",
                            null,
                            null,
                            Priority.NORMAL,
                            null,
                            null,
                            null,
                            List.of(dev.sluice.model.Message.user(prompt)),
                            20_000,
                            0.0,
                            null,
                            null,
                            Map.of(),
                            Instant.now());
                    // One key: the long job comes first on its partition, the next one after it.
                    producer.send(new ProducerRecord<>(
                                    topic,
                                    "acme",
                                    serdes.jobs()
                                            .serializer()
                                            .serialize(
                                                    topic,
                                                    new LlmJob(
                                                            r,
                                                            Tier.SMALL,
                                                            List.of("gpt-4.1-mini"),
                                                            10,
                                                            20_000,
                                                            null,
                                                            null,
                                                            "it",
                                                            0,
                                                            false,
                                                            false,
                                                            Instant.now()))))
                            .get();
                }

                Map<String, LlmResult> byId =
                        kafka.readUntil(topics.completions(), r -> r.size() >= 2, Duration.ofSeconds(60)).stream()
                                .map(r -> serdes.results().deserializer().deserialize(topics.completions(), r.value()))
                                .collect(Collectors.toMap(LlmResult::requestId, r -> r));
                Map<String, CostEvent> costs =
                        kafka.readUntil(topics.costEvents(), r -> r.size() >= 2, Duration.ofSeconds(30)).stream()
                                .map(r ->
                                        serdes.costEvents().deserializer().deserialize(topics.costEvents(), r.value()))
                                .collect(Collectors.toMap(CostEvent::requestId, c -> c));
                assertThat(byId.get("long-1")).satisfies(r -> {
                    assertThat(r.status()).isEqualTo(ResultStatus.FAILED);
                    assertThat(r.error().code()).isEqualTo("OUTPUT_TOO_LARGE");
                    assertThat(r.error().message()).contains("65536");
                    assertThat(r.output()).isNull();
                    assertThat(r.usage().outputTokens()).isGreaterThan(10_000);
                    assertThat(r.costMicros())
                            .isPositive()
                            .isEqualTo(costs.get("long-1").costMicros());
                });
                assertThat(byId.get("after-1").status()).isEqualTo(ResultStatus.SUCCEEDED);
                assertThat(byId.get("after-1").output()).isNotBlank();
                assertThat(kafka.readUntil(topics.deadLetters(), r -> false, Duration.ofSeconds(1)))
                        .as("nothing refused: the result was replaced before the producer")
                        .isEmpty();
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
