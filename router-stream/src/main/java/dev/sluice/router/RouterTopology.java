package dev.sluice.router;

import dev.sluice.model.JobState;
import dev.sluice.model.JobStatus;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.ResultError;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.serde.SluiceSerdes;
import java.time.Clock;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.RecordContext;
import org.apache.kafka.streams.processor.TopicNameExtractor;

/**
 * The router's topology: decode, validate, route. Records that cannot be decoded never reach it:
 * the deserialization handler dead-letters them in the same transaction (DeadLetterHandler).
 * Refused requests become a REJECTED or EXPIRED completion; accepted ones become a job on their
 * tier and priority topic, keyed by requestId so workers spread one tenant's jobs, plus a QUEUED
 * status event.
 */
public final class RouterTopology {
    private final Topics topics;
    private final Serde<LlmRequest> requests;
    private final Serde<LlmJob> jobs;
    private final Serde<LlmResult> results;
    private final Serde<JobStatus> statuses;
    private final Validator validator;
    private final JobPlanner planner;
    private final Clock clock;

    public RouterTopology(Topics topics, SluiceSerdes serdes, RouterRules rules, Clock clock) {
        this.topics = topics;
        this.requests = serdes.requests();
        this.jobs = serdes.jobs();
        this.results = serdes.results();
        this.statuses = serdes.jobStatus();
        this.validator = new Validator(rules.catalogue(), clock);
        this.planner = new JobPlanner(rules.catalogue(), rules.defaultTier(), clock);
        this.clock = clock;
    }

    public Topology build() {
        StreamsBuilder builder = new StreamsBuilder();
        KStream<String, Verdict> checked = validate(source(builder));
        Map<String, KStream<String, Verdict>> branches = checked.split(Named.as("validation-"))
                .branch((tenant, verdict) -> !verdict.accepted(), Branched.as("refused"))
                .defaultBranch(Branched.as("accepted"));
        refuse(branches.get("validation-refused"));
        queue(route(branches.get("validation-accepted")));
        return builder.build();
    }

    private KStream<String, LlmRequest> source(StreamsBuilder builder) {
        return builder.stream(topics.requests(),
                Consumed.with(Serdes.String(), requests).withName("requests-source"));
    }

    private KStream<String, Verdict> validate(KStream<String, LlmRequest> in) {
        return in.mapValues(validator::check, Named.as("validate"));
    }

    private void refuse(KStream<String, Verdict> refused) {
        refused.map((key, v) -> org.apache.kafka.streams.KeyValue.pair(v.request().tenantId(), refusal(v)),
                        Named.as("refusal-result"))
                .to(topics.completions(), Produced.with(Serdes.String(), results).withName("refusals-sink"));
    }

    private LlmResult refusal(Verdict v) {
        return LlmResult.forRequest(v.request()).status(v.refusal())
                .error(new ResultError(v.code(), v.message(), false))
                .completedAt(clock.instant()).build();
    }

    private KStream<String, LlmJob> route(KStream<String, Verdict> accepted) {
        return accepted.mapValues(v -> planner.plan(v.request()), Named.as("route"));
    }

    /** Picks a job's topic from its tier and priority; named so that describe() output is stable. */
    private record JobTopic(Topics topics) implements TopicNameExtractor<String, LlmJob> {
        @Override
        public String extract(String key, LlmJob job, RecordContext context) {
            return topics.job(job.tier(), job.request().priority());
        }

        @Override
        public String toString() {
            return "JobTopic(" + topics.prefix() + "jobs.<tier>.<priority>)";
        }
    }

    private void queue(KStream<String, LlmJob> routed) {
        routed.selectKey((tenant, job) -> job.requestId(), Named.as("key-by-request"))
                .to(new JobTopic(topics), Produced.with(Serdes.String(), jobs).withName("jobs-sink"));
        routed.map((key, job) -> org.apache.kafka.streams.KeyValue.pair(job.tenantId(),
                                JobStatus.of(job.requestId(), job.tenantId(), JobState.QUEUED,
                                        topics.job(job.tier(), job.request().priority()), job.routedAt())),
                        Named.as("queued-event"))
                .to(topics.jobEvents(), Produced.with(Serdes.String(), statuses).withName("job-events-sink"));
    }
}
