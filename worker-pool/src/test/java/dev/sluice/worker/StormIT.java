package dev.sluice.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.Attempt;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.Priority;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.Tier;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.registry.RestSchemaRegistry;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.sim.Outage;
import dev.sluice.sim.ProviderSimulator;
import dev.sluice.sim.SimConfig;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A 429 storm and then a primary-provider outage, on a real broker and the real simulator: for
 * 30 s half of all calls, to both providers, are answered 429 (Retry-After 1 s, every "remaining"
 * header 0); right after it OpenAI, the primary of every tier's chain, answers 503 for 15 s.
 * Jobs arrive at a steady 40 a second through both, 2,000 in all.
 */
@SluiceKafka
class StormIT {
    private static final Duration STORM = Duration.ofSeconds(30);
    private static final Duration OUTAGE = Duration.ofSeconds(15);
    private static final int JOBS_PER_TICK = 4;
    private static final Duration TICK = Duration.ofMillis(100);
    private static final int JOBS = 2_000;

    @Test
    void shouldFailNoJobThroughA429StormAtHalfOfAllCallsAndAPrimaryOutageRightAfterIt(KafkaStack kafka)
            throws Exception {
        String prefix = kafka.newPrefix();
        Topics topics = new Topics(prefix);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        ModelCatalogue catalogue = ModelCatalogue.loadDefault();
        try (ProviderSimulator sim = ProviderSimulator.start(SimConfig.defaults()
                        .withLatency(Duration.ofMillis(30), Duration.ofMillis(40))
                        .withApiKeys(Set.of("sk-it", "sk-ant-it")));
                var producer = kafka.producer()) {
            Map<String, String> values = new HashMap<>(kafka.serviceConfig(prefix));
            values.put("providers.names", "openai,anthropic");
            values.put("providers.openai.base.url", sim.baseUrl());
            values.put("providers.openai.api.key", "sk-it");
            values.put("providers.anthropic.base.url", sim.baseUrl());
            values.put("providers.anthropic.api.key", "sk-ant-it");
            Settings settings = new Settings(ConfigSource.of(values));
            WorkerConfig config = WorkerConfig.read(settings);
            settings.validate();
            // Every tier's chain starts with OpenAI and falls back to Anthropic.
            for (Tier tier : List.of(Tier.SMALL, Tier.MEDIUM, Tier.LARGE)) {
                assertThat(catalogue.chain(tier).stream()
                                .map(m -> catalogue.require(m).provider()))
                        .containsExactly("openai", "anthropic");
            }

            try (WorkerService worker = new WorkerService(config)) {
                worker.start();
                Awaitility.await()
                        .alias("the worker is ready")
                        .atMost(Duration.ofSeconds(60))
                        .until(worker::ready);

                sim.update(sim.config()
                        .withOutages(List.of(
                                Outage.of(Duration.ZERO, STORM, 429).atRate(0.5),
                                Outage.of(STORM, OUTAGE, 503).onlyFor("openai", null))));
                sendSteadily(producer, serdes, topics, catalogue);

                List<LlmResult> results =
                        kafka.readUntil(topics.completions(), r -> r.size() >= JOBS, Duration.ofSeconds(120)).stream()
                                .map(r -> serdes.results().deserializer().deserialize(topics.completions(), r.value()))
                                .toList();

                Map<String, Long> failures = results.stream()
                        .filter(r -> r.status() != ResultStatus.SUCCEEDED)
                        .collect(Collectors.groupingBy(r -> r.error().code(), TreeMap::new, Collectors.counting()));
                assertThat(results)
                        .hasSize(JOBS)
                        .extracting(LlmResult::requestId)
                        .doesNotHaveDuplicates();
                assertThat(failures).as("failed jobs by code").isEmpty();

                List<Attempt> attempts =
                        results.stream().flatMap(r -> r.attempts().stream()).toList();
                assertThat(attempts)
                        .as("the storm was real")
                        .filteredOn(a -> a.outcome().equals("rate_limited"))
                        .hasSizeGreaterThan(200);
                assertThat(results)
                        .as("the outage was real: jobs fell back to Anthropic")
                        .filteredOn(r -> r.provider().equals("anthropic"))
                        .hasSizeGreaterThan(100)
                        .allSatisfy(r -> assertThat(r.attempts())
                                .extracting(Attempt::outcome)
                                .containsAnyOf("server_error", "circuit_open"));
                Instant outageBegan = attempts.stream()
                        .filter(a -> a.outcome().equals("server_error"))
                        .map(Attempt::startedAt)
                        .min(Instant::compareTo)
                        .orElseThrow();
                assertThat(attempts)
                        .as("no breaker was open before the outage: 429s open none")
                        .filteredOn(a -> a.outcome().equals("circuit_open")
                                && a.startedAt().isBefore(outageBegan))
                        .isEmpty();
                assertThat(attempts)
                        .as("Anthropic's breaker stayed closed")
                        .noneSatisfy(a ->
                                assertThat(a.provider() + " " + a.outcome()).isEqualTo("anthropic circuit_open"));
            }
        }
    }

    /** 40 jobs a second across the three tiers, from the start of the storm to past the outage's end. */
    private static void sendSteadily(
            KafkaProducer<String, byte[]> producer, SluiceSerdes serdes, Topics topics, ModelCatalogue catalogue)
            throws InterruptedException {
        AtomicInteger sent = new AtomicInteger();
        ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor();
        try {
            ticks.scheduleAtFixedRate(
                    () -> {
                        for (int k = 0; k < JOBS_PER_TICK && sent.get() < JOBS; k++) {
                            int i = sent.getAndIncrement();
                            Tier tier =
                                    List.of(Tier.SMALL, Tier.MEDIUM, Tier.LARGE).get(i % 3);
                            LlmRequest r = LlmRequest.of(
                                    "storm-" + i, "tenant-" + (i % 5), "Explain item " + i, Instant.now());
                            String topic = topics.job(tier, Priority.NORMAL);
                            producer.send(new ProducerRecord<>(
                                    topic,
                                    r.requestId(),
                                    serdes.jobs()
                                            .serializer()
                                            .serialize(
                                                    topic,
                                                    new LlmJob(
                                                            r,
                                                            tier,
                                                            catalogue.chain(tier),
                                                            10,
                                                            100,
                                                            null,
                                                            null,
                                                            "storm",
                                                            0,
                                                            false,
                                                            false,
                                                            Instant.now()))));
                        }
                    },
                    0,
                    TICK.toMillis(),
                    TimeUnit.MILLISECONDS);
            Awaitility.await()
                    .alias("2,000 jobs sent")
                    .atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> sent.get() >= JOBS);
        } finally {
            ticks.shutdownNow();
            ticks.awaitTermination(10, TimeUnit.SECONDS);
        }
        producer.flush();
    }
}
