package dev.sluice.worker;

import dev.sluice.model.LlmJob;
import dev.sluice.model.Priority;
import dev.sluice.model.TenantConfig;
import dev.sluice.model.Tier;
import dev.sluice.runtime.kafka.ConcurrentRecordLoop;
import dev.sluice.runtime.kafka.Lane;
import dev.sluice.runtime.kafka.Topics;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The lane a job waits in before it runs: the priority of its topic (HIGH, NORMAL, LOW; batch jobs
 * run through the sync path as LOW) and its tenant, weighted by the tenant's
 * {@code fairShareWeight}. Its cost is its token estimate (input plus output cap), which the
 * tenant's plan limits count. A record that is not a job waits in its topic's priority and
 * becomes a dead letter when it runs.
 *
 * <p>The job decoded here goes with its record to {@link JobHandler}, so a job is decoded once.
 */
final class JobLanes implements ConcurrentRecordLoop.Classifier<LlmJob> {
    static final int PRIORITIES = Priority.values().length;

    private final Map<String, Integer> topicPriority = new HashMap<>();
    private final Deserializer<LlmJob> jobs;
    private final Function<String, Optional<TenantConfig>> tenants;

    JobLanes(Topics topics, Deserializer<LlmJob> jobs, Function<String, Optional<TenantConfig>> tenants) {
        this.jobs = jobs;
        this.tenants = tenants;
        for (Priority p : Priority.values()) {
            for (Tier t : Topics.ROUTED_TIERS) {
                topicPriority.put(topics.job(t, p), p.ordinal());
            }
        }
        topicPriority.put(topics.jobsBatch(), Priority.LOW.ordinal());
    }

    @Override
    public ConcurrentRecordLoop.Classified<LlmJob> classify(ConsumerRecord<String, byte[]> record) {
        int priority = topicPriority.getOrDefault(record.topic(), Priority.LOW.ordinal());
        LlmJob job;
        try {
            job = jobs.deserialize(record.topic(), record.value());
        } catch (RuntimeException e) {
            // The handler decodes it again: it dead-letters it, or waits for the registry; the topic
            // keeps its priority.
            return new ConcurrentRecordLoop.Classified<>(new Lane(priority, "", 1), null);
        }
        int weight =
                tenants.apply(job.tenantId()).map(TenantConfig::fairShareWeight).orElse(1);
        long tokens =
                (long) job.estimatedInputTokens() + Math.max(0, job.request().maxOutputTokens());
        return new ConcurrentRecordLoop.Classified<>(new Lane(priority, job.tenantId(), weight, tokens), job);
    }
}
