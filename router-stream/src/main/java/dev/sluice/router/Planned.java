package dev.sluice.router;

import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.TenantConfig;
import dev.sluice.router.semantic.SemanticQuery;

/**
 * An accepted request planned as a job, with its tenant, whether the exact cache applies, its side
 * of a semantic lookup (null when the tenant does not use the semantic cache or the request cannot
 * use it), and the request as it came: the job's may carry its experiments' changes, while
 * duplicates are recognised by what the caller sent.
 */
record Planned(LlmJob job, TenantConfig tenant, boolean cacheable, SemanticQuery semantic, LlmRequest received) {
    Planned(LlmJob job, TenantConfig tenant, boolean cacheable, LlmRequest received) {
        this(job, tenant, cacheable, null, received);
    }

    /** A job planned from the request as it came. */
    Planned(LlmJob job, TenantConfig tenant, boolean cacheable) {
        this(job, tenant, cacheable, null, job.request());
    }

    Planned with(SemanticQuery query) {
        return new Planned(job, tenant, cacheable, query, received);
    }

    long cacheTtlMillis() {
        return tenant.cache().ttlSeconds() * 1000;
    }
}
