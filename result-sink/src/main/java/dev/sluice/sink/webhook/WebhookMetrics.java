package dev.sluice.sink.webhook;

import dev.sluice.model.WebhookDelivery;
import dev.sluice.runtime.ops.Metrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;

/**
 * What becomes of webhooks (docs/metrics.md lists the series): each delivery ends exactly once as
 * delivered, failed (dead-lettered: after the last try, on 410, to a disabled endpoint, without a
 * signing secret, or too large to keep for a retry), refused (the SSRF guard, or an endpoint the
 * tenant no longer registers) or skipped (no endpoint to send to); retried counts the failed tries
 * that scheduled another.
 */
public final class WebhookMetrics {
    private final MeterRegistry registry;

    public WebhookMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** One HTTP try and how long it took, answered or not. */
    void tried(boolean delivered, Duration took) {
        Metrics.latency(
                        "sluice_webhook_try",
                        "Time one webhook try took, from sending to the endpoint's answer or" + " the failure")
                .tag("outcome", delivered ? "delivered" : "failed")
                .register(registry)
                .record(took);
    }

    /** A delivery answered 2xx: how long since its first try, retries and their waits included. */
    void delivered(WebhookDelivery delivery, Instant now) {
        tenant("sluice_webhooks_delivered", delivery.tenantId(), "Webhook deliveries the endpoint answered with a 2xx");
        if (delivery.firstAttemptAt() != null) {
            Metrics.latency(
                            "sluice_webhook_delivery",
                            "Time from a webhook's first try to the try the endpoint"
                                    + " answered with a 2xx, retries and their waits included")
                    .register(registry)
                    .record(nonNegative(Duration.between(delivery.firstAttemptAt(), now)));
        }
    }

    void retried(String tenantId) {
        tenant("sluice_webhooks_retried", tenantId, "Failed webhook tries after which another was scheduled");
    }

    void failed(String tenantId) {
        tenant(
                "sluice_webhooks_failed",
                tenantId,
                "Webhook deliveries that ended in a dead letter: no 2xx after the"
                        + " last try, 410 Gone, a disabled endpoint, no signing secret, or a payload too large to retry");
    }

    void refused(String tenantId) {
        tenant(
                "sluice_webhooks_refused",
                tenantId,
                "Webhook deliveries never sent: the endpoint is not one the tenant"
                        + " registers now, or the SSRF guard refused its address");
    }

    void endpointDisabled(String tenantId) {
        tenant(
                "sluice_webhook_endpoints_disabled",
                tenantId,
                "Webhook endpoints disabled because they answered 410" + " Gone");
    }

    /** A result that gets no webhook: unknown tenant, no endpoint, or one the tenant does not register. */
    void skipped(String reason) {
        Counter.builder("sluice_webhooks_skipped_total")
                .tag("reason", reason)
                .description("Results that get no webhook, by reason: unknown_tenant, no_endpoint,"
                        + " endpoint_not_registered")
                .register(registry)
                .increment();
    }

    void deadLettered(String stage) {
        Metrics.deadLetters(registry, stage).increment();
    }

    private void tenant(String name, String tenantId, String description) {
        Counter.builder(name + "_total")
                .tag("tenant", tenantId)
                .description(description)
                .register(registry)
                .increment();
    }

    private static Duration nonNegative(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }
}
