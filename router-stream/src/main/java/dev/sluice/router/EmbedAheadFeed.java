package dev.sluice.router;

import dev.sluice.model.LlmRequest;
import dev.sluice.model.TenantConfig;
import dev.sluice.router.semantic.EmbedAhead;
import dev.sluice.runtime.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * What the router's consumer fetched, handed to {@link EmbedAhead} for the tenants that use the
 * semantic cache: a request keyed by its tenant on {@code llm.requests}, or on a repartition topic
 * that keys requests by tenant, is the record {@code enrich} will process, so its embedding is
 * found again by where it was read. Which tenants use the cache, and how, is learnt in
 * {@code enrich} from the tenant table: a tenant's first request after the router starts, or after
 * it turns the cache on, is embedded inline.
 *
 * <p>On the consumer's thread only a key is compared; the value is decoded, and the text embedded,
 * on an embed-ahead thread.
 */
final class EmbedAheadFeed {
    /** Repartition topics of the router's own ({@code <application id>-...-repartition}) that key requests by tenant. */
    private static final String BY_TENANT_REPARTITION = "requests-by-tenant-repartition";

    /**
     * Larger requests are left to the stream thread: a task holds its record until an ahead thread
     * reads it, and a task text the model reads whole is far shorter (at most 2,000 characters).
     */
    static final int MAX_VALUE_BYTES = 32 * 1024;

    private final EmbedAhead ahead;
    private final String requestsTopic;
    private final ThreadLocal<Deserializer<LlmRequest>> requests;
    private final Map<String, TenantConfig.CachePolicy> tenants = new ConcurrentHashMap<>();

    EmbedAheadFeed(EmbedAhead ahead, Topics topics, Supplier<Deserializer<LlmRequest>> requests) {
        this.ahead = ahead;
        this.requestsTopic = topics.requests();
        this.requests = ThreadLocal.withInitial(requests);
    }

    /** What {@code enrich} learnt of a tenant's cache policy from the tenant table. */
    void tenant(String tenantId, TenantConfig.CachePolicy cache) {
        if (cache.semantic() && ahead.has(cache.semanticEmbedder())) {
            tenants.put(tenantId, cache);
        } else if (!tenants.isEmpty()) {
            tenants.remove(tenantId);
        }
    }

    /** Called with each poll's records, on the stream thread: queues the semantic tenants' requests. */
    void fetched(ConsumerRecords<byte[], byte[]> records) {
        if (tenants.isEmpty()) {
            return;
        }
        for (ConsumerRecord<byte[], byte[]> record : records) {
            if (record.key() == null
                    || record.value() == null
                    || record.value().length > MAX_VALUE_BYTES
                    || !keyedByTenant(record.topic())
                    || !tenants.containsKey(new String(record.key(), StandardCharsets.UTF_8))) {
                continue;
            }
            ahead.offer(new EmbedAhead.Slot(record.topic(), record.partition(), record.offset()), () -> textOf(record));
        }
    }

    private boolean keyedByTenant(String topic) {
        return topic.equals(requestsTopic) || topic.endsWith(BY_TENANT_REPARTITION);
    }

    /** On an embed-ahead thread: the task text {@code enrich} will embed, or null when it will not. */
    private EmbedAhead.Text textOf(ConsumerRecord<byte[], byte[]> record) {
        LlmRequest r = requests.get().deserialize(record.topic(), record.headers(), record.value());
        TenantConfig.CachePolicy cache = r == null ? null : tenants.get(r.tenantId());
        if (cache == null || !JobPlanner.cacheable(cache, r)) {
            return null;
        }
        String text = CacheKeys.taskText(r);
        return text.isBlank() ? null : new EmbedAhead.Text(cache.semanticEmbedder(), text);
    }

    /** The embedding made ahead for the record {@code enrich} processes, if it is of {@code text} by {@code embedder}; else null. */
    EmbedAhead.Embedding take(RecordMetadata at, String embedder, String text) {
        return ahead.take(new EmbedAhead.Slot(at.topic(), at.partition(), at.offset()), embedder, text);
    }
}
