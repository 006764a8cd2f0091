package dev.sluice.sink;

import dev.sluice.model.JobStatus;
import dev.sluice.model.LlmResult;
import dev.sluice.runtime.ops.Metrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;

/**
 * Every request's one result as the sink writes it to llm.results (docs/metrics.md lists the
 * series): results per tenant by status and reason, completed→result and end-to-end latency. The
 * webhook series are {@link dev.sluice.sink.webhook.WebhookMetrics}'.
 */
public final class SinkMetrics {
    private final MeterRegistry registry;

    public SinkMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Metrics kept nowhere: for topologies built without a service (tests). */
    public static SinkMetrics none() {
        return new SinkMetrics(new SimpleMeterRegistry());
    }

    /** A result going to llm.results at {@code now}: the first completion of its request. */
    void result(LlmResult r, Instant now) {
        Counter.builder("sluice_sink_results_total")
                .tags(
                        "tenant",
                        r.tenantId(),
                        "status",
                        r.status().name(),
                        "reason",
                        r.error() == null ? "NONE" : r.error().code())
                .description("Results written to llm.results (one per request), by status and reason code")
                .register(registry)
                .increment();
        Metrics.latency(
                        "sluice_sink_completed_to_result",
                        "Time from a job's completion (worker or router) to its" + " result being written by the sink")
                .register(registry)
                .record(since(r.completedAt(), now));
        Metrics.latency(
                        "sluice_sink_end_to_end",
                        "Time from a request's createdAt to its result being written, by"
                                + " path: router (answered without a provider), sync, batch")
                .tag("path", path(r))
                .register(registry)
                .record(since(r.createdAt(), now));
    }

    /** A job whose last state was not terminal and that had no later status and no result in time. */
    void stuck(JobStatus status) {
        Counter.builder("sluice_sink_jobs_stuck_total")
                .tags("tenant", status.tenantId(), "state", status.state().name())
                .description("Jobs with no later status and no result within sink.stuck.after (BATCH_SUBMITTED:"
                        + " sink.batch.stuck.after) of their last status, by that status; each job counted once")
                .register(registry)
                .increment();
    }

    /** Who answered: the router itself (no attempt, no batch), a provider batch, or a synchronous call. */
    static String path(LlmResult r) {
        if (r.batch()) {
            return "batch";
        }
        return r.attempts().isEmpty() && r.startedAt() == null ? "router" : "sync";
    }

    private static Duration since(Instant from, Instant now) {
        if (from == null) {
            return Duration.ZERO;
        }
        Duration d = Duration.between(from, now);
        // Producers' and services' clocks differ a little; a result is never earlier than its request.
        return d.isNegative() ? Duration.ZERO : d;
    }
}
