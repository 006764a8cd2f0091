package dev.sluice.ingest;

import dev.sluice.runtime.ops.Metrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;

/**
 * ingest-service's own series (docs/metrics.md lists them), each with its HELP text in one place.
 * They name tenants, so they are served on the ops port only, never on the public API port.
 */
final class IngestMetrics {
    private IngestMetrics() {}

    static void request(MeterRegistry registry, String endpoint, int status) {
        Counter.builder("sluice_ingest_requests_total")
                .tags("endpoint", endpoint, "status", Integer.toString(status))
                .description(
                        "Job submissions and feedback answered, by endpoint (jobs, batch, feedback) and HTTP status")
                .register(registry)
                .increment();
    }

    /** From the produce to the broker's ack (a batch: to the commit). */
    static void acked(MeterRegistry registry, String endpoint, Duration took) {
        Metrics.latency(
                        "sluice_ingest_ack_latency",
                        "Time from producing a job (or a batch's transaction) to the" + " broker's ack (or commit)")
                .tag("endpoint", endpoint)
                .register(registry)
                .record(took);
    }

    static void rateLimited(MeterRegistry registry, String tenantId) {
        Counter.builder("sluice_ingest_rate_limited_total")
                .tag("tenant", tenantId)
                .description("Requests answered 429 because the tenant was over its request rate")
                .register(registry)
                .increment();
    }

    static void idempotencyConflict(MeterRegistry registry, String tenantId) {
        Counter.builder("sluice_ingest_idempotency_conflicts_total")
                .tag("tenant", tenantId)
                .description("Requests answered 409 because an idempotency key was reused for another job (a batch"
                        + " counts once)")
                .register(registry)
                .increment();
    }

    static void authFailure(MeterRegistry registry, String reason) {
        Counter.builder("sluice_ingest_auth_failures_total")
                .tag("reason", reason)
                .description("Requests refused for their API key, by reason: missing, malformed, invalid, revoked,"
                        + " unknown_tenant, loading")
                .register(registry)
                .increment();
    }

    static Counter acceptedEventFailures(MeterRegistry registry) {
        return Counter.builder("sluice_ingest_accepted_event_failures_total")
                .description("Single jobs stored whose ACCEPTED status event could not be written")
                .register(registry);
    }
}
