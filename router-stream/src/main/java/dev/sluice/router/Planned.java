package dev.sluice.router;

import dev.sluice.model.LlmJob;
import dev.sluice.model.TenantConfig;
import dev.sluice.router.semantic.SemanticQuery;

/**
 * An accepted request planned as a job, with its tenant, whether the exact cache applies, and its
 * side of a semantic lookup (null when the tenant does not use the semantic cache or the request
 * cannot use it).
 */
record Planned(LlmJob job, TenantConfig tenant, boolean cacheable, SemanticQuery semantic) {
    Planned(LlmJob job, TenantConfig tenant, boolean cacheable) {
        this(job, tenant, cacheable, null);
    }

    Planned with(SemanticQuery query) {
        return new Planned(job, tenant, cacheable, query);
    }

    long cacheTtlMillis() {
        return tenant.cache().ttlSeconds() * 1000;
    }
}
