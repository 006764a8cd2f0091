package dev.sluice.sink;

import dev.sluice.model.JobState;
import dev.sluice.model.JobStatus;
import dev.sluice.model.LlmResult;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.serde.SluiceSerdes;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.ContextualFixedKeyProcessor;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * The sink's topology, under exactly_once_v2:
 * <ul>
 *   <li>dedupe: the first completion of a requestId goes to llm.results, later ones are dropped.
 *       Completions are keyed by tenantId and a request has one tenant, so every completion of a
 *       request lands in the same task and one window store decides.</li>
 *   <li>status: status events (QUEUED from the router, RUNNING from workers) and the terminal state
 *       of each result are folded per requestId; a state is written to llm.job-status only when it
 *       moves the job forward, so a late RUNNING never overwrites SUCCEEDED (ADR 0002).</li>
 * </ul>
 * Both stores are window stores: entries expire with their segments, with no scans.
 */
public final class SinkTopology {
    static final String SEEN_STORE = "completions-seen-store";
    static final String STATUS_STORE = "job-status-store";

    private final Topics topics;
    private final Serde<LlmResult> results;
    private final Serde<JobStatus> statuses;
    private final Duration dedupeWindow;
    private final Duration statusRetention;

    public SinkTopology(Topics topics, SluiceSerdes serdes, Duration dedupeWindow, Duration statusRetention) {
        this.topics = topics;
        this.results = serdes.results();
        this.statuses = serdes.jobStatus();
        this.dedupeWindow = dedupeWindow;
        this.statusRetention = statusRetention;
    }

    public Topology build() {
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.windowStoreBuilder(
                Stores.persistentWindowStore(SEEN_STORE, dedupeWindow, dedupeWindow, false),
                Serdes.String(), Serdes.Long()));
        builder.addStateStore(Stores.windowStoreBuilder(
                Stores.persistentWindowStore(STATUS_STORE, statusRetention, statusRetention, false),
                Serdes.String(), statuses));

        KStream<String, LlmResult> unique = dedupe(builder.stream(topics.completions(),
                Consumed.with(Serdes.String(), results).withName("completions-source")));
        unique.to(topics.results(), Produced.with(Serdes.String(), results).withName("results-sink"));

        KStream<String, JobStatus> events = builder.stream(topics.jobEvents(),
                Consumed.with(Serdes.String(), statuses).withName("job-events-source"));
        status(events.merge(terminalStates(unique), Named.as("status-changes")))
                .to(topics.jobStatus(), Produced.with(Serdes.String(), statuses).withName("job-status-sink"));
        return builder.build();
    }

    private KStream<String, LlmResult> dedupe(KStream<String, LlmResult> completions) {
        return completions.processValues(() -> new FirstCompletionOnly(dedupeWindow.toMillis()), Named.as("dedupe"),
                SEEN_STORE);
    }

    private KStream<String, JobStatus> terminalStates(KStream<String, LlmResult> unique) {
        return unique.mapValues(r -> new JobStatus(r.requestId(), r.tenantId(), JobState.of(r.status()),
                r.error() == null ? r.model() : r.error().code(), null, r.completedAt()), Named.as("terminal-state"));
    }

    private KStream<String, JobStatus> status(KStream<String, JobStatus> changes) {
        return changes.process(() -> new ForwardOnly(statusRetention.toMillis()), Named.as("fold-status"),
                STATUS_STORE);
    }

    /** Passes the first completion of each requestId within the window. */
    private static final class FirstCompletionOnly extends ContextualFixedKeyProcessor<String, LlmResult, LlmResult> {
        private final long window;
        private WindowStore<String, Long> seen;

        FirstCompletionOnly(long window) {
            this.window = window;
        }

        @Override
        public void init(org.apache.kafka.streams.processor.api.FixedKeyProcessorContext<String, LlmResult> context) {
            super.init(context);
            seen = context.getStateStore(SEEN_STORE);
        }

        @Override
        public void process(FixedKeyRecord<String, LlmResult> record) {
            String requestId = record.value().requestId();
            long ts = record.timestamp();
            try (WindowStoreIterator<Long> it = seen.fetch(requestId, Instant.ofEpochMilli(ts - window),
                    Instant.ofEpochMilli(ts + window))) {
                if (it.hasNext()) {
                    return;
                }
            }
            seen.put(requestId, ts, ts);
            context().forward(record);
        }
    }

    /** Writes a status only when it moves its job forward; re-keys it by requestId. */
    private static final class ForwardOnly extends ContextualProcessor<String, JobStatus, String, JobStatus> {
        private final long retention;
        private WindowStore<String, JobStatus> store;

        ForwardOnly(long retention) {
            this.retention = retention;
        }

        @Override
        public void init(org.apache.kafka.streams.processor.api.ProcessorContext<String, JobStatus> context) {
            super.init(context);
            store = context.getStateStore(STATUS_STORE);
        }

        @Override
        public void process(Record<String, JobStatus> record) {
            JobStatus next = record.value();
            JobStatus current = furthest(next.requestId(), record.timestamp());
            if (current != null && !current.state().canMoveTo(next.state())) {
                return;
            }
            store.put(next.requestId(), next, record.timestamp());
            context().forward(record.withKey(next.requestId()));
        }

        private JobStatus furthest(String requestId, long ts) {
            JobStatus best = null;
            try (WindowStoreIterator<JobStatus> it = store.fetch(requestId, Instant.ofEpochMilli(ts - retention),
                    Instant.ofEpochMilli(ts + retention))) {
                while (it.hasNext()) {
                    JobStatus s = it.next().value;
                    if (best == null || s.state().ordinal() > best.state().ordinal()) {
                        best = s;
                    }
                }
            }
            return best;
        }
    }
}
