package dev.sluice.runtime.kafka;

/**
 * Partition counts and replication. Every topic keyed by tenantId (requests, completions, results,
 * cost events, spend, job events) has the same partition count, so that a tenant's records share a
 * partition number across them and the router and sink can join them within one task.
 */
public record TopicLayout(int tenantPartitions, int jobPartitions, short replicationFactor, int webhookRetryLevels) {
    public static final TopicLayout DEFAULT = new TopicLayout(12, 6, (short) 1, 5);
}
