package dev.sluice.sink;

import dev.sluice.model.CostEvent;
import dev.sluice.model.JobState;
import dev.sluice.model.JobStatus;
import dev.sluice.model.LlmResult;
import dev.sluice.model.SpendPeriod;
import dev.sluice.model.TenantSpend;
import dev.sluice.runtime.Tracing;
import dev.sluice.runtime.kafka.OversizedOutputs;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.runtime.streams.ExpiringStore;
import dev.sluice.runtime.tracing.JobScope;
import dev.sluice.runtime.tracing.LogContext;
import dev.sluice.runtime.tracing.SluiceAttributes;
import dev.sluice.runtime.tracing.Telemetry;
import dev.sluice.schemas.serde.RecordTooLargeForTopic;
import dev.sluice.schemas.serde.SluiceSerdes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualFixedKeyProcessor;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sink's topology, under exactly_once_v2:
 * <ul>
 *   <li>dedupe: the first completion of a (tenant, requestId) goes to llm.results, later ones
 *       within the window are dropped. Completions are keyed by tenantId and a request has one
 *       tenant, so every completion of a request lands in the same task. The status store decides:
 *       a job's terminal state is there exactly when its result was written (only results make
 *       terminal states), and it is kept for the dedupe window.</li>
 *   <li>status: status events (QUEUED from the router, RUNNING from workers) and the terminal state
 *       of each result are folded per (tenant, requestId); a state is written to llm.job-status
 *       only when it moves the job forward, so a late RUNNING never overwrites SUCCEEDED (ADR 0002).</li>
 *   <li>spend: every cost event is summed into its tenant's UTC day and month on llm.spend
 *       (keys {@code tenant/2026-11-22} and {@code tenant/2026-11}, partitioned by tenant), in
 *       the task that reads the tenant's cost events: no repartition ({@link SpendLedger}).</li>
 * </ul>
 * The status store expires its entries (ExpiringStore), so it holds only the window's requests;
 * the spend ledger keeps one small total per tenant and period.
 *
 * <p>Each completion is a {@code sink result} span in its job's trace; the result, and the
 * terminal status made from it, carry that span's context on to the webhook dispatcher.
 */
public final class SinkTopology {
    /**
     * The dedupe store of versions before the status store decided dedupe: read, never written, so
     * a completion seen by such a version within the window is still dropped after an upgrade. Its
     * purge empties it within the window; a later version can then drop it.
     */
    static final String SEEN_STORE = "completions-seen-store";

    static final String STATUS_STORE = "job-status-store";
    static final String LEDGER_STORE = "spend-ledger-store";
    static final String SEED_STORE = "spend-seed-store";
    /** The repartition that versions before the ledger summed spend through; read for what it still holds. */
    static final String LEGACY_REPARTITION = "spend-by-period";
    /** How often the totals changed since are written to llm.spend. */
    static final Duration SPEND_EVERY = Duration.ofMillis(100);

    private static final Logger log = LoggerFactory.getLogger(SinkTopology.class);
    private static final Duration PURGE_EVERY = Duration.ofMinutes(1);

    private final Topics topics;
    private final Serde<LlmResult> results;
    private final Serde<JobStatus> statuses;
    private final Serde<CostEvent> costs;
    private final Serde<TenantSpend> spend;
    private final Duration dedupeWindow;
    private final Duration statusRetention;
    private final SinkConfig.StuckAfter stuckAfter;
    private final int maxRecordBytes;
    private final Telemetry telemetry;
    private final SinkMetrics metrics;

    /** Without spans (tests): trace context is still carried from each completion to its result. */
    public SinkTopology(Topics topics, SluiceSerdes serdes, Duration dedupeWindow, Duration statusRetention) {
        this(topics, serdes, dedupeWindow, statusRetention, Telemetry.off("result-sink"), SinkMetrics.none());
    }

    public SinkTopology(
            Topics topics,
            SluiceSerdes serdes,
            Duration dedupeWindow,
            Duration statusRetention,
            Telemetry telemetry,
            SinkMetrics metrics) {
        this(topics, serdes, dedupeWindow, statusRetention, SinkConfig.StuckAfter.DEFAULTS, telemetry, metrics);
    }

    public SinkTopology(
            Topics topics,
            SluiceSerdes serdes,
            Duration dedupeWindow,
            Duration statusRetention,
            SinkConfig.StuckAfter stuckAfter,
            Telemetry telemetry,
            SinkMetrics metrics) {
        this.stuckAfter = stuckAfter;
        this.telemetry = telemetry;
        this.metrics = metrics;
        this.topics = topics;
        this.maxRecordBytes = serdes.maxRecordBytes();
        this.results = serdes.results();
        this.statuses = serdes.jobStatus();
        this.costs = serdes.costEvents();
        this.spend = serdes.spend();
        this.dedupeWindow = dedupeWindow;
        this.statusRetention = statusRetention;
    }

    public Topology build() {
        StreamsBuilder builder = new StreamsBuilder();
        ExpiringStore.addTo(builder, SEEN_STORE, Serdes.Long(), ExpiringStore.Keys.PER_JOB);
        ExpiringStore.addTo(builder, STATUS_STORE, statuses, ExpiringStore.Keys.PER_JOB);

        KStream<String, LlmResult> unique = dedupe(builder.stream(
                topics.completions(), Consumed.with(Serdes.String(), results).withName("completions-source")));
        unique.to(topics.results(), Produced.with(Serdes.String(), results).withName("results-sink"));

        KStream<String, JobStatus> events = builder.stream(
                topics.jobEvents(), Consumed.with(Serdes.String(), statuses).withName("job-events-source"));
        status(events.merge(terminalStates(unique), Named.as("status-changes")))
                .to(topics.jobStatus(), Produced.with(Serdes.String(), statuses).withName("job-status-sink"));

        spendLedger(
                        builder,
                        builder.stream(
                                topics.costEvents(),
                                Consumed.with(Serdes.String(), costs).withName("cost-events-source")))
                .to(
                        topics.spend(),
                        Produced.with(Serdes.String(), spend)
                                .withName("spend-sink")
                                .withStreamPartitioner(SinkTopology::byTenant));
        return builder.build();
    }

    /**
     * Each cost event counts towards its tenant's UTC day and month of {@code occurredAt}: keys
     * {@code tenant/2026-11-22} and {@code tenant/2026-11}. Cost events are keyed and partitioned
     * by tenant, so the task that reads a tenant's events holds its totals and no repartition is
     * needed. Under exactly_once_v2 each event is counted once.
     *
     * <p>Two inputs serve the upgrade from versions that summed through a repartition by period
     * ({@link #LEGACY_REPARTITION}) into another store: llm.spend itself, as a global table that
     * seeds a total the ledger has not held yet; and whatever that repartition still holds,
     * re-keyed by tenant and counted for its one period. Nothing writes to the repartition any
     * more, so at steady state both are idle.
     */
    private KStream<String, TenantSpend> spendLedger(StreamsBuilder builder, KStream<String, CostEvent> events) {
        builder.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(LEDGER_STORE), Serdes.String(), Held.serde(spend))
                .withCachingEnabled());
        builder.globalTable(
                topics.spend(),
                Consumed.with(Serdes.String(), spend).withName("spend-seed"),
                Materialized.<String, TenantSpend, KeyValueStore<Bytes, byte[]>>as(SEED_STORE)
                        .withKeySerde(Serdes.String())
                        .withValueSerde(spend));
        KStream<String, CostEvent> legacy = events.filter((tenant, cost) -> false, Named.as("spend-legacy-none"))
                .repartition(Repartitioned.<String, CostEvent>as(LEGACY_REPARTITION)
                        .withKeySerde(Serdes.String())
                        .withValueSerde(costs))
                .selectKey(
                        (periodKey, cost) -> LEGACY_PERIOD + periodKey.substring(periodKey.lastIndexOf('/') + 1),
                        Named.as("spend-legacy-period"))
                .repartition(Repartitioned.<String, CostEvent>as("spend-legacy-by-tenant")
                        .withKeySerde(Serdes.String())
                        .withValueSerde(costs)
                        .withStreamPartitioner((topic, key, cost, n) -> tenantPartition(cost.tenantId(), n)));
        return events.merge(legacy, Named.as("spend-inputs"))
                .process(SpendLedger::new, Named.as("spend-sum"), LEDGER_STORE);
    }

    /** A legacy record's key: this, then the one period it counts for. No tenant id starts with it. */
    static final String LEGACY_PERIOD = "\u0000";

    static String spendKey(String tenantId, String period) {
        return tenantId + "/" + period;
    }

    /**
     * A total as the ledger holds it, and whether llm.spend has it yet. Stored as one flag byte,
     * then the total in its usual serde.
     */
    record Held(TenantSpend total, boolean unsent) {
        static Serde<Held> serde(Serde<TenantSpend> totals) {
            Serializer<TenantSpend> out = totals.serializer();
            Deserializer<TenantSpend> in = totals.deserializer();
            return Serdes.serdeFrom(
                    (topic, held) -> {
                        if (held == null) {
                            return null;
                        }
                        byte[] total = out.serialize(topic, held.total());
                        byte[] bytes = new byte[total.length + 1];
                        bytes[0] = (byte) (held.unsent() ? 1 : 0);
                        System.arraycopy(total, 0, bytes, 1, total.length);
                        return bytes;
                    },
                    (topic, bytes) -> bytes == null
                            ? null
                            : new Held(
                                    in.deserialize(topic, java.util.Arrays.copyOfRange(bytes, 1, bytes.length)),
                                    bytes[0] == 1));
        }
    }

    /**
     * Adds each cost event to its tenant's totals, and writes the totals that changed to llm.spend
     * every {@link #SPEND_EVERY}: one record per tenant and period however many events came, as
     * the aggregation it replaces wrote one per commit.
     *
     * <p>A total not yet on llm.spend is marked so in the ledger itself, committed with it: a
     * crash between a commit and the next write loses none, as the ledger is read for such marks
     * when its task starts. The write is scheduled only while something waits for it: every
     * punctuation makes its task commit, so one that ran every 100 ms regardless would make an idle
     * sink commit a transaction every commit interval.
     */
    static final class SpendLedger extends ContextualProcessor<String, CostEvent, String, TenantSpend> {
        private final Set<String> unsent = new java.util.LinkedHashSet<>();
        private KeyValueStore<String, Held> ledger;
        private TimestampedKeyValueStore<String, TenantSpend> seed;
        private Cancellable writing;

        @Override
        public void init(ProcessorContext<String, TenantSpend> context) {
            super.init(context);
            ledger = context.getStateStore(LEDGER_STORE);
            seed = context.getStateStore(SEED_STORE);
            // Marked before a crash or a move of the task, and not written yet.
            try (KeyValueIterator<String, Held> it = ledger.all()) {
                it.forEachRemaining(kv -> {
                    if (kv.value != null && kv.value.unsent()) {
                        unsent.add(kv.key);
                    }
                });
            }
            if (!unsent.isEmpty()) {
                writeSoon();
            }
        }

        private void writeSoon() {
            if (writing == null) {
                writing = context().schedule(SPEND_EVERY, PunctuationType.WALL_CLOCK_TIME, this::write);
            }
        }

        @Override
        public void process(Record<String, CostEvent> record) {
            CostEvent cost = record.value();
            if (record.key() != null && record.key().startsWith(LEGACY_PERIOD)) {
                add(spendKey(cost.tenantId(), record.key().substring(LEGACY_PERIOD.length())), cost);
                return;
            }
            LocalDate day =
                    LocalDate.ofInstant(cost.occurredAt() == null ? Instant.EPOCH : cost.occurredAt(), ZoneOffset.UTC);
            add(spendKey(cost.tenantId(), day.toString()), cost);
            add(spendKey(cost.tenantId(), YearMonth.from(day).toString()), cost);
        }

        private void add(String key, CostEvent cost) {
            Held held = ledger.get(key);
            // Not held yet: a new period, or one an earlier version summed and wrote to llm.spend.
            TenantSpend total = held != null ? held.total() : ValueAndTimestamp.getValueOrNull(seed.get(key));
            ledger.put(key, new Held(addCost(key, cost, total), true));
            unsent.add(key);
            writeSoon();
        }

        private void write(long now) {
            for (String key : unsent) {
                Held held = ledger.get(key);
                if (held != null && held.unsent()) {
                    ledger.put(key, new Held(held.total(), false));
                    context().forward(new Record<>(key, held.total(), now));
                }
            }
            unsent.clear();
            writing.cancel();
            writing = null;
        }
    }

    static TenantSpend addCost(String key, CostEvent cost, TenantSpend total) {
        String period = key.substring(key.lastIndexOf('/') + 1);
        SpendPeriod type = period.length() == 7 ? SpendPeriod.MONTH : SpendPeriod.DAY;
        long spent = total == null ? 0 : total.spentMicros();
        long events = total == null ? 0 : total.events();
        Instant at = cost.occurredAt() == null ? Instant.EPOCH : cost.occurredAt();
        Instant updated = total == null || at.isAfter(total.updatedAt()) ? at : total.updatedAt();
        return new TenantSpend(cost.tenantId(), type, period, spent + cost.costMicros(), events + 1, updated);
    }

    /**
     * llm.spend is keyed by tenant and period but partitioned by tenant alone, as every
     * tenant-keyed topic is, so one tenant's spend is on the same partition number everywhere.
     */
    static Optional<Set<Integer>> byTenant(String topic, String key, TenantSpend value, int partitions) {
        return tenantPartition(value.tenantId(), partitions);
    }

    /** The partition of every tenant-keyed topic for this tenant: the producer's default for the tenant id as key. */
    private static Optional<Set<Integer>> tenantPartition(String tenantId, int partitions) {
        byte[] tenant = tenantId.getBytes(StandardCharsets.UTF_8);
        return Optional.of(Set.of(Utils.toPositive(Utils.murmur2(tenant)) % partitions));
    }

    private KStream<String, LlmResult> dedupe(KStream<String, LlmResult> completions) {
        Serializer<LlmResult> serializer = results.serializer();
        int limit = maxRecordBytes;
        String topic = topics.results();
        Telemetry spans = telemetry;
        SinkMetrics m = metrics;
        String[] stores = java.util.stream.Stream.of(SEEN_STORE, STATUS_STORE)
                .map(ExpiringStore::storeNames)
                .flatMap(java.util.Arrays::stream)
                .toArray(String[]::new);
        return completions.processValues(
                () -> new FirstCompletionOnly(r -> fitting(serializer, topic, limit, r), spans, m),
                Named.as("dedupe"),
                stores);
    }

    /**
     * The result as it will be written: itself, or its lean FAILED form when it is too large for
     * llm.results, decided here so that the job's status and its webhook say the same as the result.
     * Only a result whose text could come near the limit is serialized to find out.
     */
    private static LlmResult fitting(Serializer<LlmResult> serializer, String topic, int limit, LlmResult r) {
        long chars = (r.output() == null ? 0 : r.output().length())
                + (r.outputJson() == null ? 0 : r.outputJson().length());
        for (var e : r.metadata().entrySet()) {
            chars += e.getKey().length() + e.getValue().length();
        }
        // At most three UTF-8 bytes a char, and the rest of a result is far under 64 KiB.
        if (3 * chars + 64 * 1024 < limit) {
            return r;
        }
        try {
            serializer.serialize(topic, r);
            return r;
        } catch (RecordTooLargeForTopic e) {
            log.warn(
                    "Result of {} for tenant {}: {}; it is written FAILED {} without its output",
                    r.requestId(),
                    r.tenantId(),
                    e.getMessage(),
                    OversizedOutputs.OUTPUT_TOO_LARGE);
            return OversizedOutputs.shrink(r, e);
        }
    }

    private KStream<String, JobStatus> terminalStates(KStream<String, LlmResult> unique) {
        return unique.mapValues(
                r -> new JobStatus(
                        r.requestId(),
                        r.tenantId(),
                        JobState.of(r.status()),
                        r.error() == null ? r.model() : r.error().code(),
                        null,
                        r.completedAt()),
                Named.as("terminal-state"));
    }

    private KStream<String, JobStatus> status(KStream<String, JobStatus> changes) {
        SinkMetrics m = metrics;
        Duration keepTerminal = statusRetention.compareTo(dedupeWindow) > 0 ? statusRetention : dedupeWindow;
        return changes.process(
                () -> new ForwardOnly(statusRetention, keepTerminal, stuckAfter, m),
                Named.as("fold-status"),
                ExpiringStore.storeNames(STATUS_STORE));
    }

    /** A job's key in the status store: its tenant's id, a NUL, its requestId. */
    static String jobKey(String tenantId, String requestId) {
        return tenantId + '\u0000' + requestId;
    }

    /**
     * A job's entry in the status store, expired or not: under {@link #jobKey}, or else under its
     * requestId alone, as versions before the tenant was in the key stored it, if that entry is
     * this tenant's.
     */
    static Stored storedStatus(ExpiringStore<JobStatus> store, String tenantId, String requestId) {
        String key = jobKey(tenantId, requestId);
        ExpiringStore.Entry<JobStatus> e = store.stored(key);
        if (e != null) {
            return new Stored(key, e);
        }
        ExpiringStore.Entry<JobStatus> legacy = store.stored(requestId);
        return legacy != null
                        && legacy.value() != null
                        && tenantId.equals(legacy.value().tenantId())
                ? new Stored(requestId, legacy)
                : null;
    }

    /** A job's entry in the status store, and the key it is under. */
    record Stored(String key, ExpiringStore.Entry<JobStatus> entry) {}

    /**
     * Passes the first completion of each (tenant, requestId) within the window: one whose job has
     * no terminal state yet. Only results make terminal states, and the status fold stores the
     * state of this one before the task reads its next record, so the next completion of the job
     * finds it. Reading the status store instead of a store of its own saves each job a write and
     * an index entry (issue 15).
     */
    private static final class FirstCompletionOnly extends ContextualFixedKeyProcessor<String, LlmResult, LlmResult> {
        private final UnaryOperator<LlmResult> fitting;
        private final Telemetry telemetry;
        private final SinkMetrics metrics;
        private ExpiringStore<Long> seenBefore;
        private ExpiringStore<JobStatus> statuses;

        FirstCompletionOnly(UnaryOperator<LlmResult> fitting, Telemetry telemetry, SinkMetrics metrics) {
            this.fitting = fitting;
            this.telemetry = telemetry;
            this.metrics = metrics;
        }

        @Override
        public void init(FixedKeyProcessorContext<String, LlmResult> context) {
            super.init(context);
            seenBefore = ExpiringStore.open(context, SEEN_STORE, PURGE_EVERY);
            statuses = ExpiringStore.reader(context, STATUS_STORE);
        }

        @Override
        public void process(FixedKeyRecord<String, LlmResult> record) {
            LlmResult r = record.value();
            Span span = telemetry.start(
                    telemetry.span("sink result", SpanKind.CONSUMER, Tracing.extract(record.headers())));
            try (JobScope scope = telemetry.open(span, r.requestId(), r.tenantId())) {
                first(record, scope);
            }
        }

        private void first(FixedKeyRecord<String, LlmResult> record, JobScope scope) {
            long now = context().currentSystemTimeMs();
            LlmResult r = record.value();
            // Per tenant: a requestId is the producer's to choose on the Kafka path, and one tenant
            // must not be able to take another's result away by sending a completion under its id
            // first.
            if (resulted(r, now)
                    || seenBefore.get(jobKey(r.tenantId(), r.requestId()), now) != null
                    || seenBefore.get(r.requestId(), now) != null) {
                scope.span().setAttribute(SluiceAttributes.DECISION, "dropped");
                log.debug("A later completion of the job is dropped; its result is the first");
                return;
            }
            LlmResult result = fitting.apply(record.value());
            scope.span()
                    .setAttribute(SluiceAttributes.DECISION, "result")
                    .setAttribute(SluiceAttributes.STATUS, result.status().name());
            if (result.error() != null) {
                scope.span()
                        .setAttribute(SluiceAttributes.REASON, result.error().code());
            }
            Headers headers = new RecordHeaders(record.headers().toArray());
            scope.inject(headers);
            metrics.result(result, Instant.ofEpochMilli(now));
            context().forward(record.withValue(result).withHeaders(headers));
            log.debug("Result {} written", result.status());
        }

        private boolean resulted(LlmResult r, long now) {
            Stored stored = storedStatus(statuses, r.tenantId(), r.requestId());
            ExpiringStore.Entry<JobStatus> e = stored == null ? null : stored.entry();
            return e != null && e.value() != null && e.value().state().isTerminal() && e.expiresAt() > now;
        }
    }

    /**
     * Writes a status only when it moves its job forward; re-keys it by requestId. A provider
     * batch id, once set, stays on the job's later statuses. A terminal state is kept for the
     * status retention or the dedupe window, whichever is longer: the dedupe step reads it as the
     * mark of the job's result.
     *
     * <p>It also watches for stuck jobs, with no write of its own: a job's state is stored until
     * {@code sink.stuck.after} while it is not terminal (ACCEPTED, QUEUED, RUNNING; BATCH_SUBMITTED
     * until {@code sink.batch.stuck.after}), and as long as a terminal state is kept once it is. A state that
     * expires while not terminal belongs to a job with no later status and no result: it is counted
     * in {@code sluice_sink_jobs_stuck_total}, logged with its ids, and stored again until its
     * retention ends, so it is counted once and the job's state still only moves forward.
     */
    private static final class ForwardOnly extends ContextualProcessor<String, JobStatus, String, JobStatus> {
        private final Duration retention;
        private final Duration keepTerminal;
        private final SinkConfig.StuckAfter stuckAfter;
        private final SinkMetrics metrics;
        private ExpiringStore<JobStatus> store;

        ForwardOnly(Duration retention, Duration keepTerminal, SinkConfig.StuckAfter stuckAfter, SinkMetrics metrics) {
            this.retention = retention;
            this.keepTerminal = keepTerminal;
            this.stuckAfter = stuckAfter;
            this.metrics = metrics;
        }

        @Override
        public void init(ProcessorContext<String, JobStatus> context) {
            super.init(context);
            store = ExpiringStore.open(context, STATUS_STORE, stuckAfter.checkEvery(), this::expired);
        }

        @Override
        public void process(Record<String, JobStatus> record) {
            long now = context().currentSystemTimeMs();
            JobStatus next = record.value();
            String key = jobKey(next.tenantId(), next.requestId());
            Stored stored = storedStatus(store, next.tenantId(), next.requestId());
            JobStatus current = current(stored, now);
            if (current != null && !current.state().canMoveTo(next.state())) {
                return;
            }
            if (next.batchId() == null && current != null && current.batchId() != null) {
                // A job answered by a provider batch keeps that batch's id in its final status.
                next = new JobStatus(
                        next.requestId(),
                        next.tenantId(),
                        next.state(),
                        next.detail(),
                        current.batchId(),
                        next.updatedAt());
            }
            JobState state = next.state();
            store.put(key, next, now + (state.isTerminal() ? keepTerminal : stuckAfter.of(state)).toMillis());
            if (stored != null && !stored.key().equals(key)) {
                // An earlier version's entry, under the requestId alone: the job goes on under its
                // new key, and the old entry must not expire into a stuck job that moved on.
                store.delete(stored.key());
            }
            context().forward(record.withKey(next.requestId()).withValue(next));
        }

        /** A job's state: a terminal one until it is no longer kept, any other until the purge has seen it. */
        private static JobStatus current(Stored stored, long now) {
            ExpiringStore.Entry<JobStatus> e = stored == null ? null : stored.entry();
            return e == null
                            || e.value() == null
                            || e.expiresAt() <= now && e.value().state().isTerminal()
                    ? null
                    : e.value();
        }

        private void expired(String key, JobStatus status) {
            if (status == null || status.state().isTerminal()) {
                return;
            }
            long now = context().currentSystemTimeMs();
            long keepUntil = status.updatedAt().toEpochMilli() + retention.toMillis();
            if (now >= keepUntil) {
                return; // the end of its retention: counted when it was stuck, or too old to count
            }
            metrics.stuck(status);
            String requestId = status.requestId();
            try (LogContext ids = LogContext.open("result-sink", requestId, status.tenantId(), null)) {
                log.warn(
                        "Job {} of tenant {} is stuck: {} since {}, with no later status and no result for {}"
                                + " (sluice jobs show {})",
                        requestId,
                        status.tenantId(),
                        status.state(),
                        status.updatedAt(),
                        stuckAfter.of(status.state()),
                        requestId);
            }
            store.put(
                    key,
                    status,
                    Math.max(keepUntil, now + stuckAfter.of(status.state()).toMillis()));
        }
    }
}
