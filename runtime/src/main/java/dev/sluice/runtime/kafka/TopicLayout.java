package dev.sluice.runtime.kafka;

/**
 * Partition counts, replication and record size. Every topic keyed by tenantId (requests,
 * completions, results, cost events, spend, job events) has the same partition count, so that a
 * tenant's records share a partition number across them and the router and sink can join them
 * within one task.
 *
 * <p>{@code maxRecordBytes} is the largest record value a service writes to any topic but
 * llm.batches: a larger one is replaced before it reaches a producer (a FAILED result, a dead
 * letter). Topics are created to take it with {@link #HEADROOM_BYTES} to spare for the key,
 * headers and batch framing.
 */
public record TopicLayout(
        int tenantPartitions, int jobPartitions, short replicationFactor, int webhookRetryLevels, int maxRecordBytes) {
    /** Under Kafka's default topic limit of 1 MiB (message.max.bytes), with room for key and headers. */
    public static final int DEFAULT_MAX_RECORD_BYTES = 1_000_000;

    public static final int HEADROOM_BYTES = 64 * 1024;
    public static final TopicLayout DEFAULT = new TopicLayout(12, 6, (short) 1, 5, DEFAULT_MAX_RECORD_BYTES);

    public TopicLayout(int tenantPartitions, int jobPartitions, short replicationFactor, int webhookRetryLevels) {
        this(tenantPartitions, jobPartitions, replicationFactor, webhookRetryLevels, DEFAULT_MAX_RECORD_BYTES);
    }

    /** The {@code max.message.bytes} of Sluice's topics: the record limit and the headroom. */
    public int topicMaxMessageBytes() {
        return maxRecordBytes + HEADROOM_BYTES;
    }
}
