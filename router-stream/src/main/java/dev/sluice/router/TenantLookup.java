package dev.sluice.router;

import dev.sluice.model.TenantConfig;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.streams.processor.api.ProcessingContext;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/** Tenants from the global table over llm.tenants: every instance holds them all, always current. */
final class TenantLookup implements Function<String, Optional<TenantConfig>> {
    static final String STORE = "tenants-store";

    private final TimestampedKeyValueStore<String, TenantConfig> store;

    TenantLookup(ProcessingContext context) {
        this.store = context.getStateStore(STORE);
    }

    @Override
    public Optional<TenantConfig> apply(String tenantId) {
        ValueAndTimestamp<TenantConfig> v = store.get(tenantId);
        return v == null ? Optional.empty() : Optional.ofNullable(v.value());
    }
}
