package dev.sluice.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.CostBasis;
import dev.sluice.model.CostEvent;
import dev.sluice.model.JobState;
import dev.sluice.model.JobStatus;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.SpendPeriod;
import dev.sluice.model.TenantSpend;
import dev.sluice.model.Usage;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.registry.InMemorySchemaRegistry;
import dev.sluice.schemas.serde.SluiceSerdes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SinkTopologyTest {
    private static final Instant T0 = Instant.parse("2026-11-22T12:00:00Z");

    private final Topics topics = new Topics("llm.");
    private String scope;
    private SluiceSerdes serdes;
    private TopologyTestDriver driver;
    private TestInputTopic<String, LlmResult> completions;
    private TestInputTopic<String, JobStatus> events;
    private TestOutputTopic<String, LlmResult> results;
    private TestOutputTopic<String, JobStatus> statuses;
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();

    @BeforeEach
    void start() {
        scope = "sink-" + UUID.randomUUID();
        serdes = new SluiceSerdes(InMemorySchemaRegistry.forScope(scope));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "sink-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        driver = new TopologyTestDriver(topology().build(), props, T0);
        completions = driver.createInputTopic(
                topics.completions(), new StringSerializer(), serdes.results().serializer());
        events = driver.createInputTopic(
                topics.jobEvents(), new StringSerializer(), serdes.jobStatus().serializer());
        results = driver.createOutputTopic(
                topics.results(), new StringDeserializer(), serdes.results().deserializer());
        statuses = driver.createOutputTopic(
                topics.jobStatus(), new StringDeserializer(), serdes.jobStatus().deserializer());
    }

    private SinkTopology topology() {
        return new SinkTopology(
                topics,
                serdes,
                Duration.ofDays(7),
                Duration.ofDays(2),
                dev.sluice.runtime.tracing.Telemetry.off("result-sink"),
                new SinkMetrics(metrics));
    }

    @AfterEach
    void stop() {
        driver.close();
        InMemorySchemaRegistry.dropScope(scope);
    }

    private static LlmResult succeeded(String requestId, String output) {
        return LlmResult.forRequest(LlmRequest.of(requestId, "acme", "q", T0))
                .status(ResultStatus.SUCCEEDED)
                .output(output)
                .model("gpt-4.1-mini")
                .completedAt(T0.plusSeconds(1))
                .build();
    }

    @Test
    void shouldPassOnlyTheFirstCompletionOfARequest() {
        completions.pipeInput("acme", succeeded("r-1", "first"), T0);
        completions.pipeInput("acme", succeeded("r-1", "second"), T0.plusSeconds(5));
        completions.pipeInput("acme", succeeded("r-2", "other"), T0.plusSeconds(6));

        List<TestRecord<String, LlmResult>> out = results.readRecordsToList();
        assertThat(out).extracting(r -> r.value().requestId()).containsExactly("r-1", "r-2");
        assertThat(out.getFirst().value().output()).isEqualTo("first");
        assertThat(out.getFirst().key()).isEqualTo("acme");
    }

    @Test
    void shouldCountEachRequestsOneResultByStatusAndReasonAndTimeItByPath() {
        LlmResult sync = LlmResult.forRequest(LlmRequest.of("sync", "acme", "q", T0))
                .status(ResultStatus.SUCCEEDED)
                .startedAt(T0.plusSeconds(1))
                .completedAt(T0.plusSeconds(2))
                .build();
        LlmResult batch = LlmResult.forRequest(LlmRequest.of("batch", "acme", "q", T0))
                .status(ResultStatus.SUCCEEDED)
                .batch(true)
                .startedAt(T0.plusSeconds(1))
                .completedAt(T0.plusSeconds(2))
                .build();
        LlmResult refused = LlmResult.rejected(
                LlmRequest.of("refused", "acme", "q", T0), "EMPTY_MESSAGES", "none", T0.plusSeconds(2));
        driver.advanceWallClockTime(Duration.ofSeconds(5));

        for (LlmResult r : List.of(sync, batch, refused, sync)) {
            completions.pipeInput("acme", r, T0);
        }

        assertThat(metrics.get("sluice_sink_results_total")
                        .tags("tenant", "acme", "status", "SUCCEEDED", "reason", "NONE")
                        .counter()
                        .count())
                .as("the second completion of 'sync' is no result")
                .isEqualTo(2);
        assertThat(metrics.get("sluice_sink_results_total")
                        .tags("status", "REJECTED", "reason", "EMPTY_MESSAGES")
                        .counter()
                        .count())
                .isEqualTo(1);
        for (String path : List.of("sync", "batch", "router")) {
            assertThat(metrics.get("sluice_sink_end_to_end")
                            .tags("path", path)
                            .timer()
                            .totalTime(java.util.concurrent.TimeUnit.SECONDS))
                    .as(path)
                    .isEqualTo(5);
        }
        assertThat(metrics.get("sluice_sink_completed_to_result").timer().max(java.util.concurrent.TimeUnit.SECONDS))
                .isEqualTo(3);
    }

    @Test
    void shouldNotLetOneTenantTakeAnothersResultOrStatusByCompletingItsRequestIdFirst() {
        LlmResult posing = LlmResult.forRequest(LlmRequest.of("r-1", "mallory", "q", T0))
                .status(ResultStatus.SUCCEEDED)
                .output("not yours")
                .completedAt(T0)
                .build();
        completions.pipeInput("mallory", posing, T0);
        completions.pipeInput("acme", succeeded("r-1", "acme's own"), T0.plusSeconds(1));
        completions.pipeInput("acme", succeeded("r-1", "acme's again"), T0.plusSeconds(2));

        assertThat(results.readRecordsToList())
                .extracting(r -> r.value().tenantId(), r -> r.value().output())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("mallory", "not yours"),
                        org.assertj.core.groups.Tuple.tuple("acme", "acme's own"));
        // Each tenant's job has its own state: mallory's SUCCEEDED does not hold acme's back.
        assertThat(statuses.readRecordsToList())
                .extracting(r -> r.value().tenantId(), r -> r.value().state())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("mallory", JobState.SUCCEEDED),
                        org.assertj.core.groups.Tuple.tuple("acme", JobState.SUCCEEDED));
    }

    @Test
    void shouldDropADuplicateArrivingDaysLaterWithinTheWindowThoughTheStatusRetentionIsShorter() {
        completions.pipeInput("acme", succeeded("r-1", "first"), T0);
        assertThat(results.readRecordsToList()).hasSize(1);
        assertThat(driver.getKeyValueStore(SinkTopology.SEEN_STORE).approximateNumEntries())
                .as("the job's terminal state is its dedupe entry; nothing else is written")
                .isZero();

        driver.advanceWallClockTime(Duration.ofHours(1));
        completions.pipeInput("acme", succeeded("r-1", "again"), T0.plusSeconds(3600));
        driver.advanceWallClockTime(Duration.ofDays(3));
        completions.pipeInput("acme", succeeded("r-1", "days later"), T0.plus(Duration.ofDays(3)));
        assertThat(results.isEmpty()).isTrue();
    }

    @Test
    void shouldForgetARequestOnceTheWindowHasPassedAndPurgeItsEntry() {
        completions.pipeInput("acme", succeeded("r-1", "first"), T0);
        results.readRecordsToList();

        driver.advanceWallClockTime(Duration.ofDays(7).plusMinutes(2));

        assertThat(driver.getKeyValueStore(SinkTopology.STATUS_STORE).approximateNumEntries())
                .isZero();
        assertThat(driver.getKeyValueStore(SinkTopology.STATUS_STORE + "-expiry-index")
                        .approximateNumEntries())
                .isZero();
        completions.pipeInput("acme", succeeded("r-1", "after the window"), T0.plus(Duration.ofDays(8)));
        assertThat(results.readValue().output()).isEqualTo("after the window");
    }

    @Test
    void shouldStillDropACompletionThatAnEarlierVersionsStoresHeldAfterAnUpgrade() {
        long until = T0.plus(Duration.ofDays(7)).toEpochMilli();
        // The dedupe store of versions before, under both of its keys; and a status stored under the
        // requestId alone, by versions before the tenant was in its key.
        org.apache.kafka.streams.state.KeyValueStore<String, Object> seen =
                driver.getKeyValueStore(SinkTopology.SEEN_STORE);
        seen.put("acme\u0000r-1", new dev.sluice.runtime.streams.ExpiringStore.Entry<>(0L, until));
        seen.put("r-2", new dev.sluice.runtime.streams.ExpiringStore.Entry<>(0L, until));
        org.apache.kafka.streams.state.KeyValueStore<String, Object> status =
                driver.getKeyValueStore(SinkTopology.STATUS_STORE);
        status.put(
                "r-3",
                new dev.sluice.runtime.streams.ExpiringStore.Entry<>(
                        JobStatus.of("r-3", "acme", JobState.SUCCEEDED, "gpt-4.1-mini", T0), until));
        status.put(
                "r-4",
                new dev.sluice.runtime.streams.ExpiringStore.Entry<>(
                        JobStatus.of("r-4", "mallory", JobState.SUCCEEDED, "gpt-4.1-mini", T0), until));
        status.put(
                "r-5",
                new dev.sluice.runtime.streams.ExpiringStore.Entry<>(
                        JobStatus.of("r-5", "acme", JobState.RUNNING, null, T0), until));

        for (String id : List.of("r-1", "r-2", "r-3", "r-4", "r-5")) {
            completions.pipeInput("acme", succeeded(id, id), T0.plusSeconds(1));
        }

        assertThat(results.readRecordsToList())
                .as("r-4's stored state is another tenant's; r-5's is not terminal")
                .extracting(r -> r.value().requestId())
                .containsExactly("r-4", "r-5");
        assertThat(statuses.readRecordsToList())
                .extracting(r -> r.value().requestId(), r -> r.value().state())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("r-4", JobState.SUCCEEDED),
                        org.assertj.core.groups.Tuple.tuple("r-5", JobState.SUCCEEDED));
    }

    @Test
    void shouldMoveAJobAnEarlierVersionStoredOnToItsNewKeyAndNotCountItStuckLater() {
        long until = T0.plus(Duration.ofMinutes(30)).toEpochMilli();
        org.apache.kafka.streams.state.KeyValueStore<String, Object> status =
                driver.getKeyValueStore(SinkTopology.STATUS_STORE);
        status.put(
                "r-1",
                new dev.sluice.runtime.streams.ExpiringStore.Entry<>(
                        JobStatus.of("r-1", "acme", JobState.QUEUED, "llm.jobs.medium.normal", T0), until));

        events.pipeInput("acme", JobStatus.of("r-1", "acme", JobState.RUNNING, null, T0.plusSeconds(1)), T0);
        completions.pipeInput("acme", succeeded("r-1", "done"), T0);
        events.pipeInput("acme", JobStatus.of("r-1", "acme", JobState.QUEUED, null, T0.plusSeconds(2)), T0);
        driver.advanceWallClockTime(Duration.ofHours(2));

        assertThat(statuses.readRecordsToList())
                .extracting(r -> r.value().state())
                .containsExactly(JobState.RUNNING, JobState.SUCCEEDED);
        assertThat(status.get("r-1")).as("the earlier version's entry").isNull();
        assertThat(metrics.find("sluice_sink_jobs_stuck_total").counters())
                .allSatisfy(c -> assertThat(c.count()).isZero());
    }

    @Test
    void shouldFoldStatusEventsAndTheResultIntoForwardOnlyJobStatus() {
        events.pipeInput("acme", JobStatus.of("r-1", "acme", JobState.QUEUED, "llm.jobs.medium.normal", T0), T0);
        events.pipeInput(
                "acme",
                JobStatus.of("r-1", "acme", JobState.RUNNING, "gpt-4.1-mini", T0.plusMillis(10)),
                T0.plusMillis(10));
        completions.pipeInput("acme", succeeded("r-1", "out"), T0.plusMillis(500));

        List<TestRecord<String, JobStatus>> out = statuses.readRecordsToList();
        assertThat(out)
                .extracting(r -> r.value().state())
                .containsExactly(JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED);
        assertThat(out).extracting(TestRecord::key).containsOnly("r-1");
    }

    @Test
    void shouldKeepTheProviderBatchIdOnceAJobWasSubmittedInABatch() {
        events.pipeInput("acme", JobStatus.of("r-1", "acme", JobState.QUEUED, "llm.jobs.batch", T0), T0);
        events.pipeInput(
                "acme",
                new JobStatus(
                        "r-1", "acme", JobState.BATCH_SUBMITTED, "openai/gpt-4.1-mini", "batch_abc", T0.plusMillis(10)),
                T0.plusMillis(10));
        completions.pipeInput("acme", succeeded("r-1", "out"), T0.plusMillis(500));

        assertThat(statuses.readValuesToList())
                .extracting(JobStatus::state, JobStatus::batchId)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(JobState.QUEUED, null),
                        org.assertj.core.groups.Tuple.tuple(JobState.BATCH_SUBMITTED, "batch_abc"),
                        org.assertj.core.groups.Tuple.tuple(JobState.SUCCEEDED, "batch_abc"));
    }

    @Test
    void shouldIgnoreARunningEventThatArrivesAfterTheTerminalState() {
        completions.pipeInput("acme", succeeded("r-1", "out"), T0);
        events.pipeInput(
                "acme",
                JobStatus.of("r-1", "acme", JobState.RUNNING, "gpt-4.1-mini", T0.plusMillis(1)),
                T0.plusMillis(1));
        events.pipeInput("acme", JobStatus.of("r-1", "acme", JobState.QUEUED, "x", T0.plusMillis(2)), T0.plusMillis(2));

        assertThat(statuses.readValuesToList()).extracting(JobStatus::state).containsExactly(JobState.SUCCEEDED);
    }

    private double stuck(String state) {
        var counter = metrics.find("sluice_sink_jobs_stuck_total")
                .tags("tenant", "acme", "state", state)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    /** Advances the wall clock a minute at a time, so the status store's purge runs as it would. */
    private void minutesPass(int minutes) {
        for (int i = 0; i < minutes; i++) {
            driver.advanceWallClockTime(Duration.ofMinutes(1));
        }
    }

    @Test
    void shouldCountAJobStuckWithoutResultOnceAndStillOnlyMoveItsStateForward() {
        events.pipeInput("acme", JobStatus.of("lost", "acme", JobState.QUEUED, "llm.jobs.medium.normal", T0), T0);
        events.pipeInput("acme", JobStatus.of("done", "acme", JobState.QUEUED, "llm.jobs.medium.normal", T0), T0);
        completions.pipeInput("acme", succeeded("done", "out"), T0.plusSeconds(1));
        statuses.readRecordsToList();

        minutesPass(29);
        assertThat(stuck("QUEUED")).as("29 minutes QUEUED is not yet stuck").isZero();
        minutesPass(2);
        assertThat(stuck("QUEUED"))
                .as("the job without a result, not the one with")
                .isEqualTo(1);

        // A late event from before its last state still cannot move it back; progress can
        events.pipeInput("acme", JobStatus.of("lost", "acme", JobState.ACCEPTED, "ingest", T0), T0);
        assertThat(statuses.readValuesToList()).isEmpty();
        minutesPass(60 * 24);
        assertThat(stuck("QUEUED"))
                .as("counted once, however long it stays stuck")
                .isEqualTo(1);
        Instant late = T0.plus(Duration.ofMinutes(31 + 60 * 24));
        events.pipeInput("acme", JobStatus.of("lost", "acme", JobState.RUNNING, "gpt-4.1-mini", late), late);
        assertThat(statuses.readValuesToList()).extracting(JobStatus::state).containsExactly(JobState.RUNNING);
        minutesPass(31);
        assertThat(stuck("RUNNING")).as("stuck again, in its new state").isEqualTo(1);
        assertThat(stuck("QUEUED")).isEqualTo(1);
    }

    @Test
    void shouldGiveAJobInAProviderBatchItsLongerWatchBeforeItCountsAsStuck() {
        events.pipeInput(
                "acme",
                new JobStatus("b-1", "acme", JobState.BATCH_SUBMITTED, "openai/gpt-4.1-mini", "batch_abc", T0),
                T0);

        minutesPass(60 * 24);
        assertThat(stuck("BATCH_SUBMITTED"))
                .as("a day in a 24-hour provider batch is not stuck")
                .isZero();
        minutesPass(61);
        assertThat(stuck("BATCH_SUBMITTED")).isEqualTo(1);
    }

    @Test
    void shouldRecordTheReasonCodeOfARefusedRequestOnItsStatus() {
        LlmResult rejected =
                LlmResult.rejected(LlmRequest.of("r-9", "acme", "", T0), "EMPTY_MESSAGES", "no messages", T0);
        completions.pipeInput("acme", rejected, T0);

        JobStatus status = statuses.readValue();
        assertThat(status.state()).isEqualTo(JobState.REJECTED);
        assertThat(status.detail()).isEqualTo("EMPTY_MESSAGES");
    }

    @Test
    void shouldSumEveryCostEventIntoItsTenantsUtcDayAndMonth() {
        TestInputTopic<String, CostEvent> costs = driver.createInputTopic(
                topics.costEvents(), new StringSerializer(), serdes.costEvents().serializer());
        TestOutputTopic<String, TenantSpend> spend = driver.createOutputTopic(
                topics.spend(), new StringDeserializer(), serdes.spend().deserializer());
        Instant lateOnThe22nd = Instant.parse("2026-11-22T23:59:59Z");
        costs.pipeInput("acme", cost("e-1", "acme", 1_500, T0), T0);
        costs.pipeInput("acme", cost("e-2", "acme", 250, lateOnThe22nd), T0);
        costs.pipeInput("acme", cost("e-3", "acme", 1_000, Instant.parse("2026-11-23T00:00:01Z")), T0);
        costs.pipeInput("globex", cost("e-4", "globex", 7, T0), T0);
        costs.pipeInput("acme", cost("e-5", "acme", 40, Instant.parse("2026-12-01T08:00:00Z")), T0);
        assertThat(spend.isEmpty())
                .as("totals are written on the ledger's next write, not per event")
                .isTrue();
        driver.advanceWallClockTime(SinkTopology.SPEND_EVERY);

        List<KeyValue<String, TenantSpend>> written = spend.readKeyValuesToList();
        assertThat(written).as("one record per tenant and period that changed").hasSize(7);
        java.util.Map<String, TenantSpend> latest = new java.util.HashMap<>();
        written.forEach(kv -> latest.put(kv.key, kv.value));
        assertThat(latest)
                .containsOnlyKeys(
                        "acme/2026-11-22",
                        "acme/2026-11-23",
                        "acme/2026-11",
                        "acme/2026-12",
                        "acme/2026-12-01",
                        "globex/2026-11-22",
                        "globex/2026-11");
        assertThat(latest.get("acme/2026-11-22"))
                .isEqualTo(new TenantSpend("acme", SpendPeriod.DAY, "2026-11-22", 1_750, 2, lateOnThe22nd));
        assertThat(latest.get("acme/2026-11")).satisfies(m -> {
            assertThat(m.periodType()).isEqualTo(SpendPeriod.MONTH);
            assertThat(m.spentMicros()).isEqualTo(2_750);
            assertThat(m.events()).isEqualTo(3);
        });
        assertThat(latest.get("acme/2026-12").spentMicros()).isEqualTo(40);
        assertThat(latest.get("globex/2026-11").spentMicros()).isEqualTo(7);

        costs.pipeInput("globex", cost("e-6", "globex", 3, T0), T0);
        driver.advanceWallClockTime(SinkTopology.SPEND_EVERY);
        assertThat(spend.readKeyValuesToMap())
                .as("only what changed since")
                .containsOnlyKeys("globex/2026-11-22", "globex/2026-11")
                .extractingByKey("globex/2026-11")
                .extracting(TenantSpend::spentMicros)
                .isEqualTo(10L);
    }

    @Test
    void shouldCarryOnFromTheTotalsOnLlmSpendThatAnEarlierVersionWrote() {
        // Upgraded from a version that summed through a repartition into another store: its totals are on llm.spend.
        TestInputTopic<String, TenantSpend> before = driver.createInputTopic(
                topics.spend(), new StringSerializer(), serdes.spend().serializer());
        before.pipeInput("acme/2026-11", new TenantSpend("acme", SpendPeriod.MONTH, "2026-11", 1_000_000, 40, T0), T0);
        TestInputTopic<String, CostEvent> costs = driver.createInputTopic(
                topics.costEvents(), new StringSerializer(), serdes.costEvents().serializer());
        TestOutputTopic<String, TenantSpend> spend = driver.createOutputTopic(
                topics.spend(), new StringDeserializer(), serdes.spend().deserializer());

        costs.pipeInput("acme", cost("e-1", "acme", 1_500, T0), T0);
        driver.advanceWallClockTime(SinkTopology.SPEND_EVERY);

        java.util.Map<String, TenantSpend> latest = spend.readKeyValuesToMap();
        assertThat(latest.get("acme/2026-11").spentMicros()).isEqualTo(1_001_500);
        assertThat(latest.get("acme/2026-11").events()).isEqualTo(41);
        assertThat(latest.get("acme/2026-11-22").spentMicros())
                .as("a period new to both")
                .isEqualTo(1_500);
    }

    @Test
    void shouldCountWhatTheEarlierVersionsRepartitionStillHeldForItsOnePeriod() {
        // Written by an earlier version, not yet summed when it stopped: one record per event and period.
        TestInputTopic<String, CostEvent> leftover = driver.createInputTopic(
                "sink-test-" + SinkTopology.LEGACY_REPARTITION + "-repartition",
                new StringSerializer(),
                serdes.costEvents().serializer());
        TestOutputTopic<String, TenantSpend> spend = driver.createOutputTopic(
                topics.spend(), new StringDeserializer(), serdes.spend().deserializer());

        leftover.pipeInput("acme/2026-11-22", cost("e-1", "acme", 1_500, T0), T0);
        leftover.pipeInput("acme/2026-11", cost("e-1", "acme", 1_500, T0), T0);
        leftover.pipeInput("acme/2026-11", cost("e-2", "acme", 500, Instant.parse("2026-11-21T10:00:00Z")), T0);
        driver.advanceWallClockTime(SinkTopology.SPEND_EVERY);

        java.util.Map<String, TenantSpend> latest = spend.readKeyValuesToMap();
        assertThat(latest).containsOnlyKeys("acme/2026-11-22", "acme/2026-11");
        assertThat(latest.get("acme/2026-11-22").spentMicros()).isEqualTo(1_500);
        assertThat(latest.get("acme/2026-11").spentMicros()).isEqualTo(2_000);
        assertThat(latest.get("acme/2026-11").events()).isEqualTo(2);
    }

    private static CostEvent cost(String id, String tenant, long micros, Instant at) {
        return new CostEvent(
                id,
                "r-" + id,
                tenant,
                "openai",
                "gpt-4.1-mini",
                new Usage(10, 10, 0, 0),
                micros,
                CostBasis.SYNC,
                null,
                at);
    }

    @Test
    void shouldKeepTheTopologyShapeSoInternalNamesNeverChangeByAccident() throws Exception {
        String expected;
        try (var in = getClass().getResourceAsStream("/sink-topology.txt")) {
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(topology().build().describe().toString().strip()).isEqualTo(expected.strip());
    }
}
