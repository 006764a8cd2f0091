package dev.sluice.worker;

import dev.sluice.model.LlmJob;
import dev.sluice.model.Priority;
import dev.sluice.model.TenantConfig;
import dev.sluice.model.Tier;
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
 */
final class JobLanes implements Function<ConsumerRecord<String, byte[]>, Lane> {
    static final int PRIORITIES = Priority.values().length;

    private final Map<String, Integer> topicPriority = new HashMap<>();
    private final Deserializer<LlmJob> jobs;
    private final Function<String, Optional<TenantConfig>> tenants;
    private final Map<ConsumerRecord<String, byte[]>, LlmJob> decoded;

    /**
     * @param decoded where each decoded job is left for {@link JobHandler}, so a job is decoded
     *     once; keyed by the record itself (identity), weakly, so a record given up is forgotten
     */
    JobLanes(Topics topics, Deserializer<LlmJob> jobs, Function<String, Optional<TenantConfig>> tenants,
            Map<ConsumerRecord<String, byte[]>, LlmJob> decoded) {
        this.decoded = decoded;
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
    public Lane apply(ConsumerRecord<String, byte[]> record) {
        int priority = topicPriority.getOrDefault(record.topic(), Priority.LOW.ordinal());
        LlmJob job;
        try {
            job = jobs.deserialize(record.topic(), record.value());
        } catch (RuntimeException e) {
            // The handler dead-letters it, or waits for the registry; the topic keeps its priority.
            return new Lane(priority, "", 1);
        }
        decoded.put(record, job);
        int weight = tenants.apply(job.tenantId()).map(TenantConfig::fairShareWeight).orElse(1);
        long tokens = (long) job.estimatedInputTokens() + Math.max(0, job.request().maxOutputTokens());
        return new Lane(priority, job.tenantId(), weight, tokens);
    }
}
