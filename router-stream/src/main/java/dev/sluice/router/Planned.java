package dev.sluice.router;

import dev.sluice.model.LlmJob;
import dev.sluice.model.TenantConfig;

/** An accepted request planned as a job, with its tenant and whether the exact cache applies. */
record Planned(LlmJob job, TenantConfig tenant, boolean cacheable) {
    long cacheTtlMillis() {
        return tenant.cache().ttlSeconds() * 1000;
    }
}
