package dev.sluice.router;

import dev.sluice.model.CostEvent;
import dev.sluice.model.JobState;
import dev.sluice.model.JobStatus;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.TenantConfig;
import dev.sluice.router.semantic.EmbedAhead;
import dev.sluice.router.state.RouterState;
import dev.sluice.runtime.kafka.TopicLayout;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.runtime.tracing.Telemetry;
import dev.sluice.schemas.serde.SluiceSerdes;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.RecordContext;
import org.apache.kafka.streams.processor.TopicNameExtractor;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The router's topology. Requests are keyed by tenantId (a record keyed otherwise is re-keyed
 * once, through the named repartition topic {@code requests-by-tenant}), validated against the
 * tenant's policy (tenants come from a global table over llm.tenants), and planned as jobs.
 * Then one step, {@code decide}, makes every per-tenant decision (dedupe, exact cache and
 * single-flight, budget) with the tenant's results and cost events merged in, so all of a
 * tenant's decisions happen in one task, one at a time. Its decisions become jobs on
 * {@code llm.jobs.<tier>.<priority>} or {@code llm.jobs.batch} with a QUEUED event, or
 * completions. Undecodable records are dead-lettered by the deserialization handler; tombstones and
 * requests with no tenant or id a result could be addressed to, by the {@code screen} step. An
 * output too large for its topic is replaced by the request's REJECTED result (see
 * {@code DeadLetterHandler} in runtime), so no request can stop the app.
 */
public final class RouterTopology {
    private final Topics topics;
    private final TopicLayout layout;
    private final Serde<LlmRequest> requests;
    private final Serde<LlmJob> jobs;
    private final Serde<LlmResult> results;
    private final Serde<CostEvent> costs;
    private final Serde<JobStatus> statuses;
    private final Serde<TenantConfig> tenants;
    private final RouterRules rules;
    private final Telemetry telemetry;
    private final RouterMetrics metrics;
    private final EmbedAheadFeed embedAhead;

    /** Without spans (tests): trace context is still carried from each request to what it leads to. */
    public RouterTopology(Topics topics, TopicLayout layout, SluiceSerdes serdes, RouterRules rules) {
        this(topics, layout, serdes, rules, Telemetry.off("router-stream"), RouterMetrics.none());
    }

    public RouterTopology(
            Topics topics,
            TopicLayout layout,
            SluiceSerdes serdes,
            RouterRules rules,
            Telemetry telemetry,
            RouterMetrics metrics) {
        this.telemetry = telemetry;
        this.metrics = metrics;
        this.topics = topics;
        this.layout = layout;
        this.requests = serdes.requests();
        this.jobs = serdes.jobs();
        this.results = serdes.results();
        this.costs = serdes.costEvents();
        this.statuses = serdes.jobStatus();
        this.tenants = serdes.tenants();
        this.rules = rules;
        EmbedAhead ahead = rules.semantic().ahead();
        this.embedAhead = ahead == null
                ? null
                : new EmbedAheadFeed(ahead, topics, () -> serdes.requests().deserializer());
    }

    /**
     * What the main consumers of a Streams app running this topology need so that semantic-cache
     * requests are embedded ahead of the stream threads ({@link EmbedAheadFeed}); empty when the
     * rules' semantic cache embeds on the stream threads only.
     */
    public Map<String, Object> embedAheadConsumerConfig() {
        if (embedAhead == null) {
            return Map.of();
        }
        return Map.of(
                StreamsConfig.mainConsumerPrefix(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG),
                EmbedAheadInterceptor.class.getName(),
                StreamsConfig.mainConsumerPrefix(EmbedAheadInterceptor.FEED),
                embedAhead);
    }

    public Topology build() {
        StreamsBuilder builder = new StreamsBuilder();
        tenants(builder);
        RouterState.addTo(builder);
        KStream<String, Verdict> checked = validate(
                byTenant(screen(source(builder), "screen"), screen(tenantSources(builder), "screen-tenant-topics")));
        Map<String, KStream<String, Verdict>> verdicts = checked.split(Named.as("validation-"))
                .branch((tenant, v) -> !v.accepted(), Branched.as("refused"))
                .defaultBranch(Branched.as("accepted"));
        refuse(verdicts.get("validation-refused"));
        KStream<String, RouterInput> planned = enrich(verdicts.get("validation-accepted"));
        emit(decide(planned.merge(results(builder), Named.as("with-results"))
                .merge(costs(builder), Named.as("with-costs"))));
        return builder.build();
    }

    private void tenants(StreamsBuilder builder) {
        builder.globalTable(
                topics.tenants(),
                Consumed.with(Serdes.String(), tenants).withName("tenants-source"),
                Materialized.<String, TenantConfig, KeyValueStore<Bytes, byte[]>>as(TenantLookup.STORE)
                        .withKeySerde(Serdes.String())
                        .withValueSerde(tenants));
    }

    private KStream<String, LlmRequest> source(StreamsBuilder builder) {
        return builder.stream(
                topics.requests(), Consumed.with(Serdes.String(), requests).withName("requests-source"));
    }

    /**
     * Every tenant's own request topic ({@code llm.requests.<tenant>}), present and future: broker
     * ACLs can bind a producer to its tenant's topic, and the router answers what comes on it only
     * as that tenant's.
     */
    private KStream<String, LlmRequest> tenantSources(StreamsBuilder builder) {
        return builder.stream(
                topics.tenantRequestsPattern(),
                Consumed.with(Serdes.String(), requests).withName("tenant-requests-source"));
    }

    /** Tombstones and requests with no addressable tenant or id become dead letters here, before keying. */
    private KStream<String, LlmRequest> screen(KStream<String, LlmRequest> in, String name) {
        return in.processValues(() -> new Steps.Screen(topics), Named.as(name));
    }

    /**
     * Requests on llm.requests keyed by tenantId go straight on; others are re-keyed once through a
     * named repartition topic. So are all requests from tenants' own topics, through their own:
     * their partition counts are not Sluice's to choose, and a source of the sub-topology that holds
     * the state must never have more partitions than its changelogs, so they are read in a
     * sub-topology of their own that holds none.
     */
    private KStream<String, LlmRequest> byTenant(KStream<String, LlmRequest> in, KStream<String, LlmRequest> own) {
        Map<String, KStream<String, LlmRequest>> keyed = in.split(Named.as("keying-"))
                .branch((key, r) -> r.tenantId().equals(key), Branched.as("by-tenant"))
                .defaultBranch(Branched.as("other-key"));
        KStream<String, LlmRequest> rekeyed = keyed.get("keying-other-key")
                .selectKey((key, r) -> r.tenantId(), Named.as("key-by-tenant"))
                .repartition(Repartitioned.<String, LlmRequest>as("requests-by-tenant")
                        .withKeySerde(Serdes.String())
                        .withValueSerde(requests)
                        .withNumberOfPartitions(layout.tenantPartitions()));
        KStream<String, LlmRequest> ownRekeyed = own.selectKey(
                        (key, r) -> r.tenantId(), Named.as("key-tenant-requests-by-tenant"))
                .repartition(Repartitioned.<String, LlmRequest>as("tenant-requests-by-tenant")
                        .withKeySerde(Serdes.String())
                        .withValueSerde(requests)
                        .withNumberOfPartitions(layout.tenantPartitions()));
        return keyed.get("keying-by-tenant")
                .merge(rekeyed, Named.as("requests-by-tenant-merged"))
                .merge(ownRekeyed, Named.as("with-tenant-topics"));
    }

    private KStream<String, Verdict> validate(KStream<String, LlmRequest> in) {
        return in.processValues(() -> new Steps.Validate(rules, telemetry), Named.as("validate"));
    }

    private void refuse(KStream<String, Verdict> refused) {
        refused.map(
                        (key, v) -> KeyValue.pair(
                                v.request().tenantId(),
                                answered(Outcomes.refused(
                                        v.request(), v.refusal(), v.code(), v.message(), Instant.now()))),
                        Named.as("refusal-result"))
                .to(
                        topics.completions(),
                        Produced.with(Serdes.String(), results).withName("refusals-sink"));
    }

    private LlmResult answered(LlmResult refusal) {
        metrics.answered(refusal);
        return refusal;
    }

    private KStream<String, RouterInput> enrich(KStream<String, Verdict> accepted) {
        return accepted.processValues(() -> new Steps.Enrich(rules, embedAhead), Named.as("enrich"));
    }

    private KStream<String, RouterInput> results(StreamsBuilder builder) {
        return builder.stream(
                        topics.results(),
                        Consumed.with(Serdes.String(), results).withName("results-source"))
                .mapValues(r -> (RouterInput) new RouterInput.Result(r), Named.as("result-input"));
    }

    private KStream<String, RouterInput> costs(StreamsBuilder builder) {
        return builder.stream(
                        topics.costEvents(),
                        Consumed.with(Serdes.String(), costs).withName("costs-source"))
                .mapValues(c -> (RouterInput) new RouterInput.Cost(c), Named.as("cost-input"));
    }

    /** dedupe, cache and single-flight, budget: every per-tenant decision, in one task per tenant. */
    private KStream<String, Decision> decide(KStream<String, RouterInput> in) {
        return in.process(
                () -> new Decide(
                        rules.catalogue(),
                        rules.dedupeWindow(),
                        rules.singleFlightWait(),
                        rules.semantic(),
                        telemetry,
                        metrics),
                Named.as("decide"),
                RouterState.storeNames());
    }

    /** route: jobs to their topic with a QUEUED event; completions to llm.completions. */
    private void emit(KStream<String, Decision> decisions) {
        Map<String, KStream<String, Decision>> kinds = decisions
                .split(Named.as("decision-"))
                .branch((tenant, d) -> d instanceof Decision.Route, Branched.as("route"))
                .defaultBranch(Branched.as("complete"));
        KStream<String, LlmJob> routed =
                kinds.get("decision-route").mapValues(d -> ((Decision.Route) d).job(), Named.as("routed-job"));
        routed.selectKey((tenant, job) -> job.requestId(), Named.as("key-by-request"))
                .to(new JobTopic(topics), Produced.with(Serdes.String(), jobs).withName("jobs-sink"));
        // QUEUED alone: it says the job was accepted too. An ACCEPTED written with it, in the same
        // transaction, was one more event and one more status per job that no reader could see
        // before QUEUED replaced it (issue 15); ingest still writes ACCEPTED when it acks a POST.
        routed.mapValues(
                        job -> JobStatus.of(
                                job.requestId(),
                                job.tenantId(),
                                JobState.QUEUED,
                                JobTopic.topicOf(topics, job),
                                job.routedAt()),
                        Named.as("queued-event"))
                .to(topics.jobEvents(), Produced.with(Serdes.String(), statuses).withName("job-events-sink"));
        kinds.get("decision-complete")
                .mapValues(d -> ((Decision.Complete) d).result(), Named.as("completed-result"))
                .to(
                        topics.completions(),
                        Produced.with(Serdes.String(), results).withName("completions-sink"));
    }

    /** Picks a job's topic; named so that describe() output is stable. */
    private record JobTopic(Topics topics) implements TopicNameExtractor<String, LlmJob> {
        static String topicOf(Topics topics, LlmJob job) {
            return job.batchEligible()
                    ? topics.jobsBatch()
                    : topics.job(job.tier(), job.request().priority());
        }

        @Override
        public String extract(String key, LlmJob job, RecordContext context) {
            return topicOf(topics, job);
        }

        @Override
        public String toString() {
            return "JobTopic(" + topics.prefix() + "jobs.<tier>.<priority> | " + topics.prefix() + "jobs.batch)";
        }
    }
}
