package dev.sluice.sink.webhook;

import dev.sluice.model.DisabledEndpoint;
import dev.sluice.model.TenantConfig;
import dev.sluice.runtime.kafka.CompactedTable;
import java.util.Optional;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Endpoints that answered 410 Gone, shared by every sink instance through a compacted topic. An
 * endpoint stays disabled until its tenant's configuration is written again after it was
 * disabled: the operator's {@code sluice tenants put} is the way to say "it is back".
 */
public final class DisabledEndpoints {
    private final CompactedTable<DisabledEndpoint> table;
    private final Producer<String, byte[]> producer;
    private final String topic;
    private final Serializer<DisabledEndpoint> serializer;

    public DisabledEndpoints(
            CompactedTable<DisabledEndpoint> table,
            Producer<String, byte[]> producer,
            String topic,
            Serializer<DisabledEndpoint> serializer) {
        this.table = table;
        this.producer = producer;
        this.topic = topic;
        this.serializer = serializer;
    }

    /** Why this endpoint of the tenant gets no deliveries, if it is disabled. */
    public Optional<DisabledEndpoint> disabling(TenantConfig tenant, String endpoint) {
        return table.get(DisabledEndpoint.key(tenant.tenantId(), endpoint)).filter(d -> d.disables(tenant.updatedAt()));
    }

    /** Records the endpoint as disabled, on the topic (acknowledged) and here at once. */
    public void disable(DisabledEndpoint endpoint) throws Exception {
        producer.send(new ProducerRecord<>(topic, endpoint.key(), serializer.serialize(topic, endpoint)))
                .get();
        table.remember(endpoint.key(), endpoint);
    }
}
