package dev.sluice.cli.tenants;

import dev.sluice.cli.CompactedTopic;
import dev.sluice.model.TenantConfig;
import dev.sluice.schemas.serde.SerdeConfig;
import dev.sluice.schemas.serde.SluiceSerdes;
import java.util.Map;

/** The compacted tenants topic as the CLI sees it: read whole, written one tenant at a time. */
final class TenantsTopic {
    private final CompactedTopic topic;
    private final String name;
    private final SluiceSerdes serdes;

    TenantsTopic(String bootstrap, String registryUrl, String topic) {
        this.topic = new CompactedTopic(bootstrap, topic);
        this.name = topic;
        this.serdes = new SluiceSerdes(SerdeConfig.registry(registryUrl, null));
    }

    /** Fails with a sentence a user can act on when Kafka or the topic is not there. */
    void check() {
        topic.check();
    }

    void put(TenantConfig tenant) throws Exception {
        topic.write(tenant.tenantId(), serdes.tenants().serializer().serialize(name, tenant));
    }

    void delete(String tenantId) throws Exception {
        topic.write(tenantId, null);
    }

    /** Every tenant, by id: the latest record of each key, tombstones removing it. */
    Map<String, TenantConfig> readAll() {
        return topic.readAll(serdes.tenants().deserializer()::deserialize);
    }
}
