package dev.sluice.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.model.JobState;
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
import java.io.IOException;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker killed (SIGKILL: no shutdown hook, no final commit) in the middle of its work, and a
 * second worker of the same group taking over its partitions once the dead one's session expires.
 *
 * <p>Worker A runs in a JVM of its own, so the kill is a real process death. A and B call two
 * simulators, so that A's provider calls can be counted exactly: a simulator counts a request when
 * it answers it, so a count taken at the kill would miss the calls then in flight, which are the
 * ones that matter here. B gets A's partitions only after A's session (6 s) has expired, long after
 * the simulator answered A's last call (at most 1.5 s after it was sent).
 */
@SluiceKafka
class WorkerCrashIT {
    private static final int JOBS = 200;
    private static final int MAX_IN_FLIGHT = 20;
    private static final String CHAT = "POST /v1/chat/completions";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final ModelCatalogue catalogue = ModelCatalogue.loadDefault();

    @Test
    void shouldLoseNoJobAndRepeatNoMoreProviderCallsThanWereInFlightWhenAWorkerIsKilled(
            KafkaStack kafka, @TempDir Path dir) throws Throwable {
        String prefix = kafka.newPrefix();
        Topics topics = new Topics(prefix);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        SimConfig slow = SimConfig.defaults()
                .withLatency(Duration.ofMillis(1000), Duration.ofMillis(500))
                .withApiKeys(Set.of("sk-it"));
        Path logA = dir.resolve("worker-a.log");
        Process a = null;
        try (ProviderSimulator simA = ProviderSimulator.start(slow);
                ProviderSimulator simB = ProviderSimulator.start(slow);
                var admin = kafka.admin()) {
            Map<String, String> values = new HashMap<>(kafka.serviceConfig(prefix));
            values.put("providers.openai.api.key", "sk-it");
            values.put("worker.max.in.flight", Integer.toString(MAX_IN_FLIGHT));
            // RUNNING at each job's start: the tally below counts running jobs by it.
            values.put("worker.running.event.after", "0");
            // Long enough that, at the kill, some finished jobs are sure to lie past A's last commit:
            // B is handed jobs already done, the case the completed-jobs skip is for.
            values.put("worker.commit.interval", "3s");
            // The broker's minimum session: the group notices A's death in 6 s, not 45.
            values.put("kafka.client.session.timeout.ms", "6000");
            values.put("kafka.client.heartbeat.interval.ms", "1000");
            WorkerConfig configB = config(values, simB);
            String group = configB.groupId();
            TopicCreator.ensure(configB.kafka());

            // Given 200 jobs queued over nine tier topics, four tenants
            Map<String, Job> jobs = queue(kafka, serdes, topics);

            // and worker A, in its own JVM, visibly in the middle of them
            a = startWorkerProcess(values, simA, dir, logA);
            Process workerA = a;
            try (Tally tally = new Tally(kafka, serdes, topics)) {
                // Commits stay below unfinished jobs, so between two commits finished jobs pile up
                // past the last one; a worker that committed ahead of its work would never get here.
                await().alias("worker A mid-work")
                        .atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(50))
                        .failFast("worker A exited", () -> !workerA.isAlive())
                        .untilAsserted(() -> {
                            tally.poll();
                            Map<TopicPartition, Long> committed = committed(admin, group);
                            long committedJobs = committed.values().stream()
                                    .mapToLong(Long::longValue)
                                    .sum();
                            long pastCommit = tally.done().stream()
                                    .map(jobs::get)
                                    .filter(j -> j.offset() >= committed.getOrDefault(j.partition(), 0L))
                                    .count();
                            long running = tally.started() - tally.done().size();
                            assertThat(committedJobs > 0 && pastCommit >= 3 && running >= 5)
                                    .as(
                                            "A has committed (%d jobs), finished at least 3 jobs past that (%d of %d) and"
                                                    + " runs at least 5 (%d)",
                                            committedJobs,
                                            pastCommit,
                                            tally.done().size(),
                                            running)
                                    .isTrue();
                        });

                // When A is killed
                a.destroyForcibly().waitFor();
                Instant killedAt = Instant.now();
                long callsAtKill = simA.stats().requests(CHAT);
                int doneAtKill = tally.done().size();

                // and B, in this JVM and the same group, takes over
                try (WorkerService b = new WorkerService(configB)) {
                    b.start();
                    await().alias("worker B completed every job")
                            .atMost(Duration.ofSeconds(60))
                            .pollInterval(Duration.ofMillis(200))
                            .untilAsserted(() -> assertThat(tally.poll().done().size())
                                    .as("jobs with a completion")
                                    .isEqualTo(JOBS));
                    await().alias("worker B committed every job")
                            .atMost(Duration.ofSeconds(30))
                            .until(() -> committed(admin, group).values().stream()
                                            .mapToLong(Long::longValue)
                                            .sum()
                                    == JOBS);
                    List<LlmResult> completions = tally.readToEnd().completions();

                    // Then no job is lost and none is completed twice
                    Map<String, List<ResultStatus>> byJob = completions.stream()
                            .collect(Collectors.groupingBy(
                                    LlmResult::requestId, Collectors.mapping(LlmResult::status, Collectors.toList())));
                    assertThat(byJob.keySet()).as("jobs with a completion").isEqualTo(jobs.keySet());
                    Map<String, List<ResultStatus>> notOnce = new TreeMap<>(byJob);
                    notOnce.values().removeIf(statuses -> statuses.equals(List.of(ResultStatus.SUCCEEDED)));
                    assertThat(notOnce)
                            .as("jobs without exactly one completion, a successful one")
                            .isEmpty();

                    // and no more provider calls are repeated than A had in flight when it died
                    long callsA = simA.stats().requests(CHAT);
                    long callsB = simB.stats().requests(CHAT);
                    long doneByA = completions.stream()
                            .filter(r -> r.completedAt().isBefore(killedAt))
                            .count();
                    long inFlightAtKill = callsA - doneByA;
                    String seen = "A made " + callsA + " calls (" + callsAtKill + " answered at the kill) and "
                            + doneByA + " completions (" + doneAtKill + " read at the kill); B made " + callsB
                            + " calls";
                    assertThat(inFlightAtKill)
                            .as("A's provider calls without a completion when it died; " + seen)
                            .isBetween(1L, (long) MAX_IN_FLIGHT);
                    assertThat(callsA + callsB - JOBS)
                            .as("provider calls repeated; " + seen)
                            .isLessThanOrEqualTo(inFlightAtKill);
                    assertThat(alreadyCompletedSkips(b))
                            .as("redelivered jobs B found done and did not call again")
                            .isPositive();
                }
            }
        } catch (Throwable t) {
            t.addSuppressed(new AssertionError("Last lines of worker A's output (" + logA + "):\n" + tail(logA)));
            throw t;
        } finally {
            if (a != null) {
                a.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Where a job was written, to tell finished jobs past a commit from those below it. */
    private record Job(TopicPartition partition, long offset) {}

    private Map<String, Job> queue(KafkaStack kafka, SluiceSerdes serdes, Topics topics) throws Exception {
        Map<String, Future<RecordMetadata>> sent = new HashMap<>();
        try (var producer = kafka.producer()) {
            for (int i = 0; i < JOBS; i++) {
                Tier tier = Topics.ROUTED_TIERS.get(i % 3);
                Priority priority = Priority.values()[(i / 3) % 3];
                String topic = topics.job(tier, priority);
                LlmRequest r = LlmRequest.of("crash-" + i, "tenant-" + (i % 4), "Explain item " + i, Instant.now());
                LlmJob job = new LlmJob(
                        r, tier, catalogue.chain(tier), 10, 100, null, null, "it", 0, false, false, Instant.now());
                sent.put(
                        r.requestId(),
                        producer.send(new ProducerRecord<>(
                                topic, r.requestId(), serdes.jobs().serializer().serialize(topic, job))));
            }
            Map<String, Job> jobs = new HashMap<>();
            for (var e : sent.entrySet()) {
                RecordMetadata at = e.getValue().get();
                jobs.put(e.getKey(), new Job(new TopicPartition(at.topic(), at.partition()), at.offset()));
            }
            return jobs;
        }
    }

    private static WorkerConfig config(Map<String, String> values, ProviderSimulator sim) {
        Map<String, String> withSim = new HashMap<>(values);
        withSim.put("providers.openai.base.url", sim.baseUrl());
        Settings settings = new Settings(ConfigSource.of(withSim));
        WorkerConfig config = WorkerConfig.read(settings);
        settings.validate();
        return config;
    }

    /**
     * WorkerMain on this JVM's binary and classpath (under failsafe the full test classpath),
     * configured by a properties file with the same values plus its simulator.
     */
    static Process startWorkerProcess(Map<String, String> values, ProviderSimulator sim, Path dir, Path log)
            throws IOException {
        Properties props = new Properties();
        props.putAll(values);
        props.put("providers.openai.base.url", sim.baseUrl());
        Path file = dir.resolve("worker-a.properties");
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            props.store(w, "worker A of WorkerCrashIT");
        }
        String java = ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(
                java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED"));
        String avroPackages = System.getProperty("org.apache.avro.SERIALIZABLE_PACKAGES");
        if (avroPackages != null) {
            command.add("-Dorg.apache.avro.SERIALIZABLE_PACKAGES=" + avroPackages);
        }
        command.addAll(
                List.of("-cp", System.getProperty("java.class.path"), WorkerMain.class.getName(), file.toString()));
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        // SLUICE_* variables would win over the file.
        builder.environment().keySet().removeIf(k -> k.startsWith(ConfigSource.ENV_PREFIX));
        return builder.start();
    }

    private static Map<TopicPartition, Long> committed(Admin admin, String group) throws Exception {
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get()
                .forEach((tp, o) -> {
                    if (o != null) {
                        out.put(tp, o.offset());
                    }
                });
        return out;
    }

    private static double alreadyCompletedSkips(WorkerService worker) throws Exception {
        String body = HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + worker.opsPort() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        return body.lines()
                .filter(l -> l.startsWith("sluice_worker_jobs_total{") && l.contains("status=\"ALREADY_COMPLETED\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    /** Follows llm.completions and llm.job-events from their start: what has been finished and started. */
    private static final class Tally implements AutoCloseable {
        private final KafkaConsumer<String, byte[]> consumer;
        private final Topics topics;
        private final Function<byte[], LlmResult> result;
        private final Function<byte[], JobState> state;
        private final List<LlmResult> completions = new ArrayList<>();
        private final Set<String> done = new HashSet<>();
        private long started;

        Tally(KafkaStack kafka, SluiceSerdes serdes, Topics topics) {
            this.topics = topics;
            this.consumer = kafka.committedReader();
            this.result = v -> serdes.results().deserializer().deserialize(topics.completions(), v);
            this.state = v -> serdes.jobStatus()
                    .deserializer()
                    .deserialize(topics.jobEvents(), v)
                    .state();
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(topics.completions(), topics.jobEvents())) {
                consumer.partitionsFor(topic, Duration.ofSeconds(30))
                        .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        Tally poll() {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(20))) {
                if (r.topic().equals(topics.completions())) {
                    LlmResult completion = result.apply(r.value());
                    completions.add(completion);
                    done.add(completion.requestId());
                } else if (state.apply(r.value()) == JobState.RUNNING) {
                    started++;
                }
            }
            return this;
        }

        Tally readToEnd() {
            Map<TopicPartition, Long> ends = consumer.endOffsets(consumer.assignment());
            await().alias("read " + ends.keySet() + " to their ends")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> {
                        poll();
                        return ends.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
                    });
            return this;
        }

        Set<String> done() {
            return done;
        }

        long started() {
            return started;
        }

        List<LlmResult> completions() {
            return completions;
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
