package dev.sluice.model;

import java.time.Instant;

/**
 * A webhook endpoint that answered 410 Gone: it gets no deliveries until its tenant's
 * configuration is written again after {@code disabledAt}.
 */
public record DisabledEndpoint(String tenantId, String endpoint, int httpStatus, String requestId, Instant disabledAt) {

    /** The key on the disabled-endpoints topic: one record per tenant and endpoint. */
    public static String key(String tenantId, String endpoint) {
        return tenantId + " " + endpoint;
    }

    public String key() {
        return key(tenantId, endpoint);
    }

    /** Still disabled for a tenant configuration written at {@code tenantUpdatedAt}. */
    public boolean disables(Instant tenantUpdatedAt) {
        return tenantUpdatedAt == null || !tenantUpdatedAt.isAfter(disabledAt);
    }
}
