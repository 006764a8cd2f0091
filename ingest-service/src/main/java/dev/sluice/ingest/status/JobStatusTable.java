package dev.sluice.ingest.status;

import dev.sluice.model.JobStatus;
import dev.sluice.runtime.kafka.ClientProps;
import dev.sluice.runtime.kafka.Decoding;
import dev.sluice.runtime.kafka.KafkaSettings;
import dev.sluice.runtime.ops.Health;
import dev.sluice.runtime.streams.StreamsRunner;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every job's latest status by requestId, read from the compacted llm.job-status topic into a
 * persistent RocksDB store on this instance's disk, so it holds more jobs than memory would and a
 * restart reads only what was written since the last checkpoint (ADR 0010). It is a Kafka Streams
 * app made of one global store: every instance reads every partition, committed records only, and
 * joins no consumer group. Callers read it and subscribe to a job's changes; a tombstone removes
 * the job.
 */
public final class JobStatusTable implements AutoCloseable {
    static final String STORE = "job-status-table";
    static final String SOURCE = "job-status-source";
    static final String PROCESSOR = "job-status-apply";
    private static final Logger log = LoggerFactory.getLogger(JobStatusTable.class);

    /** Told of one job's statuses on the table's thread: it must not block (hand them to a queue). */
    public interface Listener {
        void changed(JobStatus status);

        /** The job's status was deleted from the topic (a tombstone). */
        default void removed() {}
    }

    /** Ends a subscription; safe to call twice. */
    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    private final String topic;
    private final Deserializer<JobStatus> decoder;
    private final StatusFeed feed = new StatusFeed();
    private final AtomicLong applied = new AtomicLong();
    private final StreamsRunner runner;
    private volatile ReadOnlyKeyValueStore<String, byte[]> reads;

    public JobStatusTable(KafkaSettings kafka, StatusConfig config, MeterRegistry metrics) {
        this.topic = kafka.topics().jobStatus();
        this.decoder = kafka.serdes().jobStatus().deserializer();
        Map<String, Object> props = ClientProps.streams(kafka, config.applicationId(), config.stateDir());
        // The sink writes the topic in transactions: never show a status from one that aborted.
        props.put(StreamsConfig.globalConsumerPrefix(ConsumerConfig.ISOLATION_LEVEL_CONFIG), "read_committed");
        // Apply handles bad records itself; what escapes it must stop the table, not skip a record.
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, false);
        this.runner = new StreamsRunner(topology(), props, metrics);
        FunctionCounter.builder("sluice_ingest_status_records", applied, AtomicLong::get)
                .description("llm.job-status records applied to the table since this instance started")
                .register(metrics);
        Gauge.builder("sluice_ingest_status_subscriptions", feed, StatusFeed::subscriptions)
                .description("listeners on job statuses, one per open or waiting status stream")
                .register(metrics);
    }

    /**
     * The store keeps the topic's bytes as they are, so its content never depends on this code's
     * version; each record still goes through {@link Apply}, on restore too (Kafka Streams 3.7+).
     */
    Topology topology() {
        return new Topology()
                .addGlobalStore(
                        Stores.keyValueStoreBuilder(
                                        Stores.persistentKeyValueStore(STORE), Serdes.String(), Serdes.ByteArray())
                                .withLoggingDisabled(),
                        SOURCE,
                        Serdes.String().deserializer(),
                        Serdes.ByteArray().deserializer(),
                        topic,
                        PROCESSOR,
                        Apply::new);
    }

    public JobStatusTable start() {
        runner.start();
        return this;
    }

    /** Waits until the topic has been read to its end as of the start; false on timeout. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        return runner.awaitRunning(timeout);
    }

    /** True once the store holds the topic up to its end as of the start, and while it follows it. */
    public boolean ready() {
        return runner.running();
    }

    public Health health() {
        return runner.health();
    }

    /** A job's latest status; throws IllegalStateException until {@link #ready()}. */
    public Optional<JobStatus> get(String requestId) {
        return Optional.ofNullable(read(requestId));
    }

    /**
     * Tells {@code listener} the job's current status (if it has one) and then every later change,
     * in order, each once, until the subscription is closed. Throws IllegalStateException until
     * {@link #ready()}.
     */
    public Subscription subscribe(String requestId, Listener listener) {
        return feed.subscribe(requestId, () -> read(requestId), listener);
    }

    /** Subscriptions not yet closed. */
    public int subscriptions() {
        return feed.subscriptions();
    }

    private JobStatus read(String requestId) {
        byte[] bytes = store().get(requestId);
        return bytes == null ? null : decoder.deserialize(topic, bytes);
    }

    private ReadOnlyKeyValueStore<String, byte[]> store() {
        ReadOnlyKeyValueStore<String, byte[]> store = reads;
        if (store == null) {
            if (!ready()) {
                throw new IllegalStateException("The job-status table is still loading " + topic);
            }
            store = runner.streams()
                    .store(StoreQueryParameters.fromNameAndType(
                            STORE, QueryableStoreTypes.<String, byte[]>keyValueStore()));
            reads = store;
        }
        return store;
    }

    @Override
    public void close() {
        runner.close();
    }

    /** Puts each record into the store, or deletes on a tombstone, and tells the job's listeners. */
    private final class Apply implements Processor<String, byte[], Void, Void> {
        private KeyValueStore<String, byte[]> store;

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            store = context.getStateStore(STORE);
        }

        @Override
        public void process(Record<String, byte[]> record) {
            String requestId = record.key();
            if (requestId == null) {
                return;
            }
            applied.incrementAndGet();
            if (record.value() == null) {
                feed.apply(requestId, null, () -> store.delete(requestId));
                return;
            }
            JobStatus status = decode(requestId, record.value());
            if (status != null) {
                feed.apply(requestId, status, () -> store.put(requestId, record.value()));
            }
        }

        /**
         * Null for a record that is not a JobStatus: skipped, the job keeps its last readable status.
         * While the registry is unreachable the thread waits for it rather than drop a good record.
         */
        private JobStatus decode(String requestId, byte[] value) {
            try {
                return Decoding.waitingOutRegistry(
                        () -> decoder.deserialize(topic, value),
                        Thread::sleep,
                        e -> log.warn("Status of {} waits for the schema registry: {}", requestId, e.getMessage()));
            } catch (InterruptedException e) {
                // Skipping would let the checkpoint pass the record; stopping reads it again next time.
                throw new InterruptException(e);
            } catch (RuntimeException e) {
                log.warn("Skipping an unreadable status record of {}: {}", requestId, e.toString());
                return null;
            }
        }
    }
}
