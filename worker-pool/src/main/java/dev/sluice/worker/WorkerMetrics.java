package dev.sluice.worker;

import dev.sluice.model.Attempt;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/** The worker's own metrics: jobs by status, provider calls by outcome, cost, in-flight jobs. */
final class WorkerMetrics {
    private final MeterRegistry registry;
    private final Counter deadLettered;
    private final Counter costMicros;

    WorkerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.deadLettered = Counter.builder("sluice_worker_dead_letters_total").register(registry);
        this.costMicros = Counter.builder("sluice_worker_cost_micros_total")
                .description("Provider spend in micro-dollars").register(registry);
    }

    void trackInFlight(AtomicInteger inFlight) {
        Gauge.builder("sluice_worker_in_flight", inFlight, AtomicInteger::get).register(registry);
    }

    /** Open provider batches known to this instance, and batch jobs gathering for one. */
    void trackBatches(java.util.function.Supplier<Number> open, AtomicInteger gathering) {
        Gauge.builder("sluice_worker_batches_open", open).register(registry);
        Gauge.builder("sluice_worker_batch_jobs_gathering", gathering, AtomicInteger::get).register(registry);
    }

    void completed(Outcome outcome) {
        registry.counter("sluice_worker_jobs_total", "status", outcome.result().status().name()).increment();
        for (Attempt a : outcome.result().attempts()) {
            registry.counter("sluice_worker_provider_calls_total", "provider", a.provider(), "model", a.model(),
                    "outcome", a.outcome()).increment();
        }
        costMicros.increment(outcome.result().costMicros());
    }

    void skippedCompleted() {
        registry.counter("sluice_worker_jobs_total", "status", "ALREADY_COMPLETED").increment();
    }

    void batched() {
        registry.counter("sluice_worker_jobs_total", "status", "BATCHED").increment();
    }

    /** A job whose answer was too large for llm.completions: it ended FAILED OUTPUT_TOO_LARGE. */
    void outputTooLarge() {
        registry.counter("sluice_worker_outputs_too_large_total").increment();
    }

    void deadLettered() {
        deadLettered.increment();
    }
}
