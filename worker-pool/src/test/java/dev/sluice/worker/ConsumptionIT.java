package dev.sluice.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.Priority;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.Tier;
import dev.sluice.runtime.catalogue.ModelCatalogue;
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
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * The order in which a worker takes queued jobs, on a real broker: priority first, then fair
 * shares across tenants. Every job is queued before the worker starts, so a first-come worker
 * would finish them in the order they were written.
 */
@SluiceKafka
class ConsumptionIT {
    private final ModelCatalogue catalogue = ModelCatalogue.loadDefault();

    @Test
    void shouldNotLetTenThousandQueuedJobsOfOneTenantHoldBackTenJobsOfAnother(KafkaStack kafka) throws Exception {
        String prefix = kafka.newPrefix();
        Topics topics = new Topics(prefix);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        String topic = topics.job(Tier.SMALL, Priority.NORMAL);
        try (ProviderSimulator sim = ProviderSimulator.start(SimConfig.defaults()
                        .withLatency(Duration.ofMillis(20), Duration.ZERO)
                        .withApiKeys(Set.of("sk-it")));
                var producer = kafka.producer()) {
            WorkerConfig config = config(kafka, prefix, sim, 16);
            TopicCreator.ensure(config.kafka());
            int flood = 10_000;
            for (int i = 0; i < flood; i++) {
                send(producer, serdes, topic, "flood-" + i, "flooder", Tier.SMALL);
            }
            producer.flush();
            for (int i = 0; i < 10; i++) {
                send(producer, serdes, topic, "small-" + i, "small", Tier.SMALL);
            }
            producer.flush();

            try (WorkerService worker = new WorkerService(config)) {
                worker.start();
                List<LlmResult> done = completions(kafka, serdes, topics, flood + 10, Duration.ofSeconds(180));

                assertThat(done)
                        .hasSize(flood + 10)
                        .allSatisfy(r -> assertThat(r.status()).isEqualTo(ResultStatus.SUCCEEDED));
                List<String> order = done.stream()
                        .sorted(Comparator.comparing(LlmResult::completedAt))
                        .map(LlmResult::requestId)
                        .toList();
                int lastSmall = IntStream.range(0, order.size())
                        .filter(i -> order.get(i).startsWith("small-"))
                        .max()
                        .orElseThrow();
                // First come, first served would finish them last, at about 10,000. With equal
                // shares they finish within the first few hundred: the jobs already running when
                // they were read, plus one flood job for each of theirs.
                assertThat(lastSmall)
                        .as("rank of the small tenant's last completion")
                        .isLessThan(400);
            }
        }
    }

    @Test
    void shouldRunHighPriorityJobsBeforeNormalAndNormalBeforeLow(KafkaStack kafka) throws Exception {
        String prefix = kafka.newPrefix();
        Topics topics = new Topics(prefix);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        try (ProviderSimulator sim = ProviderSimulator.start(SimConfig.defaults()
                        .withLatency(Duration.ofMillis(20), Duration.ZERO)
                        .withApiKeys(Set.of("sk-it")));
                var producer = kafka.producer()) {
            WorkerConfig config = config(kafka, prefix, sim, 4);
            TopicCreator.ensure(config.kafka());
            for (Priority p : List.of(Priority.LOW, Priority.NORMAL, Priority.HIGH)) {
                int count = p == Priority.HIGH ? 30 : 300;
                for (int i = 0; i < count; i++) {
                    String topic = topics.job(Tier.MEDIUM, p);
                    send(producer, serdes, topic, p.topicSegment() + "-" + i, "tenant-" + (i % 3), Tier.MEDIUM);
                }
                producer.flush();
            }

            try (WorkerService worker = new WorkerService(config)) {
                worker.start();
                List<LlmResult> done = completions(kafka, serdes, topics, 630, Duration.ofSeconds(120));

                List<String> order = done.stream()
                        .sorted(Comparator.comparing(LlmResult::completedAt))
                        .map(LlmResult::requestId)
                        .toList();
                int lastHigh = lastIndexOf(order, "high-");
                assertThat(lastHigh)
                        .as("rank of the last high-priority completion")
                        .isLessThan(60);
                assertThat(meanRank(order, "normal-")).isLessThan(meanRank(order, "low-") - 150);
                assertThat(lastIndexOf(order, "normal-"))
                        .as("normal finishes while low waits")
                        .isLessThan(order.size() - 150);
            }
        }
    }

    @Test
    void shouldLoseNoJobAndStartNoneTwiceWhenWorkersJoinAndLeave(KafkaStack kafka) throws Exception {
        String prefix = kafka.newPrefix();
        Topics topics = new Topics(prefix);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        int jobs = 300;
        try (ProviderSimulator sim = ProviderSimulator.start(SimConfig.defaults()
                        .withLatency(Duration.ofMillis(1_500), Duration.ofMillis(500))
                        .withApiKeys(Set.of("sk-it")));
                var producer = kafka.producer()) {
            // Calls outlast a rebalance, so a job handed over while running would be called twice.
            WorkerConfig config = config(kafka, prefix, sim, 40);
            TopicCreator.ensure(config.kafka());
            for (int i = 0; i < jobs; i++) {
                Tier tier = List.of(Tier.SMALL, Tier.MEDIUM, Tier.LARGE).get(i % 3);
                send(
                        producer,
                        serdes,
                        topics.job(tier, Priority.values()[i % 3]),
                        "move-" + i,
                        "tenant-" + (i % 5),
                        tier);
            }
            producer.flush();

            try (WorkerService first = new WorkerService(config)) {
                first.start();
                completions(kafka, serdes, topics, 40, Duration.ofSeconds(60));
                // A second worker joins while the first has jobs running and waiting...
                try (WorkerService second = new WorkerService(config)) {
                    second.start();
                    completions(kafka, serdes, topics, 120, Duration.ofSeconds(60));
                    // ...and the first leaves while both are busy.
                    first.close();
                    List<LlmResult> done = completions(kafka, serdes, topics, jobs, Duration.ofSeconds(120));

                    assertThat(done)
                            .hasSize(jobs)
                            .extracting(LlmResult::requestId)
                            .doesNotHaveDuplicates();
                    assertThat(done).allSatisfy(r -> assertThat(r.status()).isEqualTo(ResultStatus.SUCCEEDED));
                    // Revoked partitions' waiting jobs were given up unstarted and their running
                    // ones finished before the hand-over: no job was sent to the provider twice.
                    assertThat(sim.stats().requests("POST /v1/chat/completions"))
                            .isEqualTo(jobs);
                }
            }
        }
    }

    @Test
    void shouldNotStartAgainAJobStillRunningWhenARebalanceGivesItsPartitionBack(KafkaStack kafka) throws Exception {
        String prefix = kafka.newPrefix();
        Topics topics = new Topics(prefix);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        try (ProviderSimulator sim = ProviderSimulator.start(SimConfig.defaults()
                        .withLatency(Duration.ofSeconds(6), Duration.ZERO)
                        .withApiKeys(Set.of("sk-it")));
                var producer = kafka.producer();
                var admin = kafka.admin()) {
            Map<String, String> small = values(kafka, prefix, sim, 10);
            small.put("worker.tiers", "small");
            // Calls outlast the wait for running jobs on a rebalance.
            small.put("worker.shutdown.timeout", "1s");
            WorkerConfig config = read(small);
            TopicCreator.ensure(config.kafka());
            for (int i = 0; i < 10; i++) {
                send(producer, serdes, topics.job(Tier.SMALL, Priority.NORMAL), "slow-" + i, "tenant-" + i, Tier.SMALL);
            }
            producer.flush();

            try (WorkerService first = new WorkerService(config)) {
                first.start();
                org.awaitility.Awaitility.await()
                        .alias("all ten jobs started by the first worker")
                        .atMost(Duration.ofSeconds(30))
                        .until(() -> kafka.readUntil(topics.jobEvents(), r -> r.size() >= 10, Duration.ofSeconds(1))
                                        .size()
                                >= 10);
                // A worker of the same group for the large tier joins: the group rebalances, and the
                // first worker gets its small-tier partitions back while all ten calls still run.
                Map<String, String> large = values(kafka, prefix, sim, 10);
                large.put("worker.tiers", "large");
                try (WorkerService second = new WorkerService(read(large))) {
                    second.start();
                    List<LlmResult> done = completions(kafka, serdes, topics, 10, Duration.ofSeconds(60));

                    assertThat(done)
                            .hasSize(10)
                            .extracting(LlmResult::requestId)
                            .doesNotHaveDuplicates();
                    assertThat(done).allSatisfy(r -> assertThat(r.status()).isEqualTo(ResultStatus.SUCCEEDED));
                    org.awaitility.Awaitility.await()
                            .alias("the ten jobs' offsets committed")
                            .atMost(Duration.ofSeconds(30))
                            .until(() -> admin
                                            .listConsumerGroupOffsets(config.groupId())
                                            .partitionsToOffsetAndMetadata()
                                            .get()
                                            .values()
                                            .stream()
                                            .mapToLong(o -> o.offset())
                                            .sum()
                                    >= 10);
                    assertThat(sim.stats().requests("POST /v1/chat/completions"))
                            .as("each job called once")
                            .isEqualTo(10);
                }
            }
        }
    }

    private Map<String, String> values(KafkaStack kafka, String prefix, ProviderSimulator sim, int maxInFlight) {
        Map<String, String> values = new HashMap<>(kafka.serviceConfig(prefix));
        values.put("providers.openai.base.url", sim.baseUrl());
        values.put("providers.openai.api.key", "sk-it");
        values.put("worker.max.in.flight", Integer.toString(maxInFlight));
        // RUNNING at each job's start: a test below waits for them to know every call is under way.
        values.put("worker.running.event.after", "0");
        return values;
    }

    private static WorkerConfig read(Map<String, String> values) {
        Settings settings = new Settings(ConfigSource.of(values));
        WorkerConfig config = WorkerConfig.read(settings);
        settings.validate();
        return config;
    }

    private WorkerConfig config(KafkaStack kafka, String prefix, ProviderSimulator sim, int maxInFlight) {
        return read(values(kafka, prefix, sim, maxInFlight));
    }

    private void send(
            KafkaProducer<String, byte[]> producer,
            SluiceSerdes serdes,
            String topic,
            String id,
            String tenant,
            Tier tier) {
        LlmRequest r = LlmRequest.of(id, tenant, "Explain " + id, Instant.now());
        LlmJob job =
                new LlmJob(r, tier, catalogue.chain(tier), 10, 100, null, null, "it", 0, false, false, Instant.now());
        producer.send(new ProducerRecord<>(topic, id, serdes.jobs().serializer().serialize(topic, job)));
    }

    private static List<LlmResult> completions(
            KafkaStack kafka, SluiceSerdes serdes, Topics topics, int count, Duration timeout) {
        return kafka.readUntil(topics.completions(), r -> r.size() >= count, timeout).stream()
                .map(r -> serdes.results().deserializer().deserialize(topics.completions(), r.value()))
                .toList();
    }

    private static int lastIndexOf(List<String> order, String idPrefix) {
        return IntStream.range(0, order.size())
                .filter(i -> order.get(i).startsWith(idPrefix))
                .max()
                .orElseThrow();
    }

    private static double meanRank(List<String> order, String idPrefix) {
        return IntStream.range(0, order.size())
                .filter(i -> order.get(i).startsWith(idPrefix))
                .average()
                .orElseThrow();
    }
}
