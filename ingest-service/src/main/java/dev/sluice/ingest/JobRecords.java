package dev.sluice.ingest;

import dev.sluice.model.Feedback;
import dev.sluice.model.JobState;
import dev.sluice.model.JobStatus;
import dev.sluice.model.LlmRequest;
import dev.sluice.runtime.Tracing;
import dev.sluice.runtime.kafka.KafkaSettings;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The two records an accepted job makes, both keyed by tenantId and carrying the trace context:
 * the request on llm.requests, and its ACCEPTED status on llm.job-events (the router's QUEUED
 * follows it there; result-sink folds both forward-only, so a late ACCEPTED changes nothing); and
 * a user's feedback on a job, on llm.feedback.
 */
final class JobRecords {
    private final String requestsTopic;
    private final String eventsTopic;
    private final Serializer<LlmRequest> requests;
    private final Serializer<JobStatus> statuses;
    private final String feedbackTopic;
    private final Serializer<Feedback> feedback;

    JobRecords(KafkaSettings kafka) {
        this.requestsTopic = kafka.topics().requests();
        this.eventsTopic = kafka.topics().jobEvents();
        this.requests = kafka.serdes().requests().serializer();
        this.statuses = kafka.serdes().jobStatus().serializer();
        this.feedbackTopic = kafka.topics().feedback();
        this.feedback = kafka.serdes().feedback().serializer();
    }

    /** A user's feedback on a job, keyed by tenantId as every tenant-keyed topic. */
    ProducerRecord<String, byte[]> feedback(Feedback f) {
        return new ProducerRecord<>(feedbackTopic, f.tenantId(), feedback.serialize(feedbackTopic, f));
    }

    ProducerRecord<String, byte[]> request(LlmRequest r, String traceparent) {
        return new ProducerRecord<>(
                requestsTopic, null, r.tenantId(), requests.serialize(requestsTopic, r), headers(traceparent));
    }

    ProducerRecord<String, byte[]> accepted(LlmRequest r, String traceparent) {
        JobStatus status = JobStatus.of(r.requestId(), r.tenantId(), JobState.ACCEPTED, null, r.createdAt());
        return new ProducerRecord<>(
                eventsTopic, null, r.tenantId(), statuses.serialize(eventsTopic, status), headers(traceparent));
    }

    private static RecordHeaders headers(String traceparent) {
        RecordHeaders headers = new RecordHeaders();
        Tracing.put(headers, traceparent);
        return headers;
    }
}
