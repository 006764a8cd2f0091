package dev.sluice.sink;

import dev.sluice.model.JobState;
import dev.sluice.model.JobStatus;
import dev.sluice.model.LlmResult;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.runtime.streams.ExpiringStore;
import dev.sluice.schemas.serde.SluiceSerdes;
import java.time.Duration;
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
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The sink's topology, under exactly_once_v2:
 * <ul>
 *   <li>dedupe: the first completion of a requestId goes to llm.results, later ones within the
 *       window are dropped. Completions are keyed by tenantId and a request has one tenant, so
 *       every completion of a request lands in the same task and one store decides.</li>
 *   <li>status: status events (QUEUED from the router, RUNNING from workers) and the terminal state
 *       of each result are folded per requestId; a state is written to llm.job-status only when it
 *       moves the job forward, so a late RUNNING never overwrites SUCCEEDED (ADR 0002).</li>
 * </ul>
 * Both stores expire their entries (ExpiringStore), so they hold only the window's requests.
 */
public final class SinkTopology {
    static final String SEEN_STORE = "completions-seen-store";
    static final String STATUS_STORE = "job-status-store";
    private static final Duration PURGE_EVERY = Duration.ofMinutes(1);

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
        ExpiringStore.addTo(builder, SEEN_STORE, Serdes.Long());
        ExpiringStore.addTo(builder, STATUS_STORE, statuses);

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
        return completions.processValues(() -> new FirstCompletionOnly(dedupeWindow), Named.as("dedupe"),
                ExpiringStore.storeNames(SEEN_STORE));
    }

    private KStream<String, JobStatus> terminalStates(KStream<String, LlmResult> unique) {
        return unique.mapValues(r -> new JobStatus(r.requestId(), r.tenantId(), JobState.of(r.status()),
                r.error() == null ? r.model() : r.error().code(), null, r.completedAt()), Named.as("terminal-state"));
    }

    private KStream<String, JobStatus> status(KStream<String, JobStatus> changes) {
        return changes.process(() -> new ForwardOnly(statusRetention), Named.as("fold-status"),
                ExpiringStore.storeNames(STATUS_STORE));
    }

    /** Passes the first completion of each requestId within the window. */
    private static final class FirstCompletionOnly extends ContextualFixedKeyProcessor<String, LlmResult, LlmResult> {
        private final Duration window;
        private ExpiringStore<Long> seen;

        FirstCompletionOnly(Duration window) {
            this.window = window;
        }

        @Override
        public void init(FixedKeyProcessorContext<String, LlmResult> context) {
            super.init(context);
            seen = ExpiringStore.open(context, SEEN_STORE, PURGE_EVERY);
        }

        @Override
        public void process(FixedKeyRecord<String, LlmResult> record) {
            long now = context().currentSystemTimeMs();
            String requestId = record.value().requestId();
            if (seen.get(requestId, now) != null) {
                return;
            }
            seen.put(requestId, now, now + window.toMillis());
            context().forward(record);
        }
    }

    /**
     * Writes a status only when it moves its job forward; re-keys it by requestId. A provider
     * batch id, once set, stays on the job's later statuses.
     */
    private static final class ForwardOnly extends ContextualProcessor<String, JobStatus, String, JobStatus> {
        private final Duration retention;
        private ExpiringStore<JobStatus> store;

        ForwardOnly(Duration retention) {
            this.retention = retention;
        }

        @Override
        public void init(ProcessorContext<String, JobStatus> context) {
            super.init(context);
            store = ExpiringStore.open(context, STATUS_STORE, PURGE_EVERY);
        }

        @Override
        public void process(Record<String, JobStatus> record) {
            long now = context().currentSystemTimeMs();
            JobStatus next = record.value();
            JobStatus current = store.get(next.requestId(), now);
            if (current != null && !current.state().canMoveTo(next.state())) {
                return;
            }
            if (next.batchId() == null && current != null && current.batchId() != null) {
                // A job answered by a provider batch keeps that batch's id in its final status.
                next = new JobStatus(next.requestId(), next.tenantId(), next.state(), next.detail(), current.batchId(),
                        next.updatedAt());
            }
            store.put(next.requestId(), next, now + retention.toMillis());
            context().forward(record.withKey(next.requestId()).withValue(next));
        }
    }
}
