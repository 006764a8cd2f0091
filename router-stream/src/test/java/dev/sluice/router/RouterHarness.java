package dev.sluice.router;

import dev.sluice.model.CostBasis;
import dev.sluice.model.CostEvent;
import dev.sluice.model.JobStatus;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.Message;
import dev.sluice.model.Priority;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.TenantConfig;
import dev.sluice.model.Tier;
import dev.sluice.model.Usage;
import dev.sluice.router.semantic.SemanticCache;
import dev.sluice.router.state.BudgetTotals;
import dev.sluice.router.state.RouterState;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.kafka.TopicLayout;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.runtime.requests.RequestLimits;
import dev.sluice.runtime.streams.DeadLetterHandler;
import dev.sluice.runtime.streams.ExpiringStore;
import dev.sluice.runtime.tracing.Telemetry;
import dev.sluice.schemas.registry.InMemorySchemaRegistry;
import dev.sluice.schemas.serde.SerdeConfig;
import dev.sluice.schemas.serde.SluiceSerdes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

/**
 * The router's topology in a TopologyTestDriver, with the wall clock under the test's control,
 * and helpers to send requests, tenants, results and cost events and to read what came out.
 */
final class RouterHarness implements AutoCloseable {
    static final Instant T0 = Instant.parse("2026-11-22T12:00:00Z");
    private static final String APPLICATION_ID = "router-test";

    final Topics topics = new Topics("llm.");
    final ModelCatalogue catalogue = ModelCatalogue.loadDefault();
    final SluiceSerdes serdes;
    final TopologyTestDriver driver;
    /** The router's metrics and its dead-letter counts, as the service's /metrics would show them. */
    final SimpleMeterRegistry metrics = new SimpleMeterRegistry();

    private final java.nio.file.Path stateDir = stateDir();
    private final String scope = "router-" + UUID.randomUUID();
    private final TestInputTopic<String, LlmRequest> requests;
    private final TestInputTopic<String, TenantConfig> tenants;
    private final TestInputTopic<String, LlmResult> results;
    private final TestInputTopic<String, CostEvent> costs;
    private final TestOutputTopic<String, LlmResult> completions;
    private final TestOutputTopic<String, JobStatus> events;
    private final List<TestOutputTopic<String, LlmJob>> jobTopics = new ArrayList<>();
    private Instant now = T0;
    private boolean closed;
    private final int recordLimit;
    private final Telemetry telemetry;
    private final SemanticCache semantic;

    RouterHarness() {
        this(Duration.ofHours(24), Duration.ofMinutes(2));
    }

    RouterHarness(Duration dedupeWindow, Duration singleFlightWait) {
        this(dedupeWindow, singleFlightWait, T0, TopicLayout.DEFAULT_MAX_RECORD_BYTES);
    }

    /** A router whose records may be at most {@code recordLimit} bytes (topics.max.record.bytes). */
    static RouterHarness withRecordLimit(int recordLimit) {
        return new RouterHarness(Duration.ofHours(24), Duration.ofMinutes(2), T0, recordLimit);
    }

    /** A router whose spans go where {@code telemetry} sends them. */
    static RouterHarness traced(Telemetry telemetry, Duration singleFlightWait) {
        return new RouterHarness(
                Duration.ofHours(24), singleFlightWait, T0, TopicLayout.DEFAULT_MAX_RECORD_BYTES, telemetry);
    }

    /** A router whose semantic cache is {@code semantic} (other embedders, embed-ahead threads). */
    static RouterHarness withSemantic(SemanticCache semantic) {
        return new RouterHarness(
                Duration.ofHours(24),
                Duration.ofMinutes(2),
                T0,
                TopicLayout.DEFAULT_MAX_RECORD_BYTES,
                Telemetry.off("router-stream"),
                semantic);
    }

    private RouterHarness(Duration dedupeWindow, Duration singleFlightWait, Instant start, int recordLimit) {
        this(dedupeWindow, singleFlightWait, start, recordLimit, Telemetry.off("router-stream"));
    }

    private RouterHarness(
            Duration dedupeWindow, Duration singleFlightWait, Instant start, int recordLimit, Telemetry telemetry) {
        this(dedupeWindow, singleFlightWait, start, recordLimit, telemetry, SemanticCache.inProcess());
    }

    private RouterHarness(
            Duration dedupeWindow,
            Duration singleFlightWait,
            Instant start,
            int recordLimit,
            Telemetry telemetry,
            SemanticCache semantic) {
        this.semantic = semantic;
        now = start;
        this.recordLimit = recordLimit;
        this.telemetry = telemetry;
        serdes = new SluiceSerdes(InMemorySchemaRegistry.forScope(scope));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION_ID);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        // The driver drops records sent outside process() under EOS (its producer.clear() also
        // clears uncommitted sends), which loses dead letters written while a record is enqueued.
        // The topology is the same either way; RouterIT proves exactly-once on a real broker.
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        props.put(DeadLetterHandler.TOPIC, topics.deadLetters());
        props.put(DeadLetterHandler.SERVICE, "router-test");
        props.put(DeadLetterHandler.MAX_RECORD_BYTES, Integer.toString(recordLimit));
        props.put(SerdeConfig.SCHEMA_REGISTRY_URL, SerdeConfig.MOCK_SCHEME + scope);
        props.put(DeadLetterHandler.METRICS, metrics);
        // A directory of its own: the default, /tmp/kafka-streams/<application id>, is shared with any
        // other build on the machine running these tests, and RocksDB's lock on it fails one of them.
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(topology(dedupeWindow, singleFlightWait), props, start);
        requests = driver.createInputTopic(
                topics.requests(), new StringSerializer(), serdes.requests().serializer());
        tenants = driver.createInputTopic(
                topics.tenants(), new StringSerializer(), serdes.tenants().serializer());
        results = driver.createInputTopic(
                topics.results(), new StringSerializer(), serdes.results().serializer());
        costs = driver.createInputTopic(
                topics.costEvents(), new StringSerializer(), serdes.costEvents().serializer());
        completions = driver.createOutputTopic(
                topics.completions(), new StringDeserializer(), serdes.results().deserializer());
        events = driver.createOutputTopic(
                topics.jobEvents(), new StringDeserializer(), serdes.jobStatus().deserializer());
        for (String topic : topics.jobTopics(Topics.ROUTED_TIERS)) {
            jobTopics.add(driver.createOutputTopic(
                    topic, new StringDeserializer(), serdes.jobs().deserializer()));
        }
        jobTopics.add(driver.createOutputTopic(
                topics.jobsBatch(), new StringDeserializer(), serdes.jobs().deserializer()));
    }

    Topology topology(Duration dedupeWindow, Duration singleFlightWait) {
        return new RouterTopology(
                        topics,
                        TopicLayout.DEFAULT,
                        serdes.limitedTo(recordLimit),
                        new RouterRules(
                                catalogue, dedupeWindow, singleFlightWait, 10_000, RequestLimits.DEFAULT, semantic),
                        telemetry,
                        new RouterMetrics(metrics))
                .build();
    }

    private static java.nio.file.Path stateDir() {
        try {
            return java.nio.file.Files.createTempDirectory("router-harness");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    // ---- inputs ----

    RouterHarness tenant(TenantConfig t) {
        tenants.pipeInput(t.tenantId(), t, now);
        return this;
    }

    static TenantConfig tenant(String id) {
        return TenantConfig.basic(
                id,
                new TenantConfig.Webhooks(List.of("https://hooks.example.com/" + id), List.of("file:/dev/null")),
                T0);
    }

    void send(LlmRequest r) {
        requests.pipeInput(r.tenantId(), r, now);
    }

    void sendKeyed(String key, LlmRequest r) {
        requests.pipeInput(key, r, now);
    }

    /** A request on another topic than llm.requests (a tenant's own), with headers. */
    void sendTo(String topic, String key, LlmRequest r, org.apache.kafka.common.header.Header... headers) {
        TestInputTopic<String, LlmRequest> in = driver.createInputTopic(
                topic, new StringSerializer(), serdes.requests().serializer());
        in.pipeInput(new org.apache.kafka.streams.test.TestRecord<>(
                key, r, new org.apache.kafka.common.header.internals.RecordHeaders(headers), now));
    }

    void sendRaw(String key, byte[] bytes) {
        TestInputTopic<String, byte[]> raw =
                driver.createInputTopic(topics.requests(), new StringSerializer(), new ByteArraySerializer());
        raw.pipeInput(key, bytes, now);
    }

    void result(LlmResult r) {
        results.pipeInput(r.tenantId(), r, now);
    }

    void cost(String tenantId, String requestId, String model, long micros) {
        costs.pipeInput(
                tenantId,
                new CostEvent(
                        UUID.randomUUID().toString(),
                        requestId,
                        tenantId,
                        "openai",
                        model,
                        Usage.ZERO,
                        micros,
                        CostBasis.SYNC,
                        null,
                        now),
                now);
    }

    /** Moves the wall clock, running the punctuations that fall due. */
    void advance(Duration d) {
        now = now.plus(d);
        driver.advanceWallClockTime(d);
    }

    Instant now() {
        return now;
    }

    // ---- requests ----

    static LlmRequest request(String id, String tenant, String prompt) {
        return LlmRequest.of(id, tenant, prompt, T0);
    }

    static Builder build(String id, String tenant) {
        return new Builder(id, tenant);
    }

    /** Requests with the fields a test cares about. */
    static final class Builder {
        private final String id;
        private final String tenant;
        private String idempotencyKey;
        private String userId;
        private Priority priority = Priority.NORMAL;
        private Instant deadline;
        private String model;
        private Tier tier;
        private List<Message> messages = List.of(Message.user("Summarise the quarterly report."));
        private int maxOutputTokens = 256;
        private Double temperature;
        private String webhook;
        private Instant createdAt = T0;
        private Map<String, String> metadata = Map.of();

        Builder(String id, String tenant) {
            this.id = id;
            this.tenant = tenant;
        }

        Builder idempotencyKey(String v) {
            idempotencyKey = v;
            return this;
        }

        Builder userId(String v) {
            userId = v;
            return this;
        }

        Builder priority(Priority v) {
            priority = v;
            return this;
        }

        Builder deadline(Instant v) {
            deadline = v;
            return this;
        }

        Builder model(String v) {
            model = v;
            return this;
        }

        Builder tier(Tier v) {
            tier = v;
            return this;
        }

        Builder messages(Message... v) {
            messages = List.of(v);
            return this;
        }

        Builder prompt(String v) {
            messages = List.of(Message.user(v));
            return this;
        }

        Builder maxOutputTokens(int v) {
            maxOutputTokens = v;
            return this;
        }

        Builder temperature(Double v) {
            temperature = v;
            return this;
        }

        Builder webhook(String v) {
            webhook = v;
            return this;
        }

        Builder createdAt(Instant v) {
            createdAt = v;
            return this;
        }

        Builder metadata(Map<String, String> v) {
            metadata = v;
            return this;
        }

        LlmRequest done() {
            return new LlmRequest(
                    id,
                    tenant,
                    idempotencyKey,
                    userId,
                    priority,
                    deadline,
                    model,
                    tier,
                    messages,
                    maxOutputTokens,
                    temperature,
                    null,
                    webhook,
                    metadata,
                    createdAt);
        }
    }

    /** The result a worker would write for a routed job. */
    static LlmResult succeeded(LlmJob job, String output, long cost) {
        return LlmResult.forJob(job)
                .status(ResultStatus.SUCCEEDED)
                .output(output)
                .provider("openai")
                .model(job.modelChain().getFirst())
                .costMicros(cost)
                .completedAt(job.routedAt().plusSeconds(1))
                .build();
    }

    static LlmResult failed(LlmJob job) {
        return LlmResult.forJob(job)
                .status(ResultStatus.FAILED)
                .error(new dev.sluice.model.ResultError("PROVIDER_UNAVAILABLE", "down", true))
                .completedAt(job.routedAt().plusSeconds(1))
                .build();
    }

    // ---- outputs ----

    /** Every job routed since the last call, from every job topic. */
    List<LlmJob> jobs() {
        List<LlmJob> out = new ArrayList<>();
        for (TestOutputTopic<String, LlmJob> t : jobTopics) {
            out.addAll(t.readValuesToList());
        }
        return out;
    }

    /** Jobs routed to one topic since the last call (reading other topics is left to jobs()). */
    List<LlmJob> jobsOn(String topic) {
        return driver.createOutputTopic(
                        topic, new StringDeserializer(), serdes.jobs().deserializer())
                .readValuesToList();
    }

    List<LlmResult> completions() {
        return completions.readValuesToList();
    }

    List<JobStatus> events() {
        return events.readValuesToList();
    }

    BudgetTotals budget(String tenant, String period) {
        KeyValueStore<String, ExpiringStore.Entry<BudgetTotals>> store = driver.getKeyValueStore(RouterState.BUDGET);
        ExpiringStore.Entry<BudgetTotals> e = store.get(tenant + '\u0000' + period);
        return e == null ? BudgetTotals.NONE : e.value();
    }

    // ---- restart ----

    /**
     * A new driver with empty local state, as on another machine, whose stores are then loaded
     * from nothing but the records this driver wrote to their changelog topics, the way Kafka
     * Streams restores a task (the driver does not restore by itself). The old driver is closed;
     * the global tenants table is not carried over, so the test sends its tenants again.
     */
    RouterHarness restartFromChangelogs(Duration dedupeWindow, Duration singleFlightWait) {
        Map<String, List<org.apache.kafka.streams.test.TestRecord<byte[], byte[]>>> changelogs =
                new java.util.HashMap<>();
        for (String store : RouterState.storeNames()) {
            String topic = changelogTopic(store);
            changelogs.put(
                    store,
                    driver.createOutputTopic(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer())
                            .readRecordsToList());
        }
        close();
        RouterHarness next = new RouterHarness(dedupeWindow, singleFlightWait, now, recordLimit, telemetry, semantic);
        changelogs.forEach((store, records) -> {
            KeyValueStore<Bytes, byte[]> bytes = innermost(next.driver.getKeyValueStore(store));
            for (var r : records) {
                if (r.value() == null) {
                    bytes.delete(Bytes.wrap(r.key()));
                } else {
                    bytes.put(Bytes.wrap(r.key()), r.value());
                }
            }
        });
        return next;
    }

    /** How many records the store's changelog holds so far (without reading them away). */
    long changelogRecords(String store) {
        return driver.createOutputTopic(changelogTopic(store), new ByteArrayDeserializer(), new ByteArrayDeserializer())
                .getQueueSize();
    }

    /** The changelog topic Kafka Streams names for a store of this driver's application. */
    private static String changelogTopic(String store) {
        return APPLICATION_ID + "-" + store + "-changelog";
    }

    @SuppressWarnings("unchecked")
    private static KeyValueStore<Bytes, byte[]> innermost(StateStore store) {
        StateStore s = store;
        while (s instanceof WrappedStateStore<?, ?, ?> w) {
            s = w.wrapped();
        }
        return (KeyValueStore<Bytes, byte[]>) s;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        driver.close();
        InMemorySchemaRegistry.dropScope(scope);
        try (var files = java.nio.file.Files.walk(stateDir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(f -> f.toFile().delete());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
