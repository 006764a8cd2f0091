package dev.sluice.router;

import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmResult;
import dev.sluice.router.state.Budgets;
import dev.sluice.runtime.Tracing;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.tracing.JobScope;
import dev.sluice.runtime.tracing.LogContext;
import dev.sluice.runtime.tracing.SluiceAttributes;
import dev.sluice.runtime.tracing.Telemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import java.time.Duration;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The Streams processor around {@link RouterCore}: opens the stores, hands each input over, forwards decisions.
 *
 * <p>Each request is decided in a {@value #SPAN} span, child of the trace context its record
 * carries (a new trace when it carries none), and its decision goes on with that span's context in
 * its headers, to its job, its QUEUED event or its completion. A request that waits
 * (a duplicate of one in progress, a single-flight follower) keeps that context in the store; when
 * it is decided later, on another record or in a punctuation, its decision gets a span in its own
 * trace, linked to the record that led to it.
 */
final class Decide extends ContextualProcessor<String, RouterInput, String, Decision> {
    static final String SPAN = "router decide";
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Decide.class);

    private final ModelCatalogue catalogue;
    private final dev.sluice.router.semantic.SemanticCache semantic;
    private final Duration dedupeWindow;
    private final Duration singleFlightWait;
    private final Telemetry telemetry;
    private final RouterMetrics metrics;
    private RouterCore core;
    private long timestamp = -1;
    private boolean onResult;
    /** The request the input record is, and its span, while it is decided. */
    private String deciding;

    private Span decidingSpan;
    /** The input record's trace context, for the links of decisions it leads to for other requests. */
    private SpanContext input = SpanContext.getInvalid();

    Decide(
            ModelCatalogue catalogue,
            Duration dedupeWindow,
            Duration singleFlightWait,
            dev.sluice.router.semantic.SemanticCache semantic,
            Telemetry telemetry,
            RouterMetrics metrics) {
        this.catalogue = catalogue;
        this.semantic = semantic;
        this.dedupeWindow = dedupeWindow;
        this.singleFlightWait = singleFlightWait;
        this.telemetry = telemetry;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Decision> context) {
        super.init(context);
        TenantLookup tenants = new TenantLookup(context);
        core = new RouterCore(
                context,
                semantic,
                new JobPlanner(catalogue),
                tenants,
                dedupeWindow.toMillis(),
                singleFlightWait.toMillis(),
                this::forward,
                metrics);
        Budgets budgets = core.budgets();
        context.schedule(
                RouterMetrics.BUDGET_EVERY,
                PunctuationType.WALL_CLOCK_TIME,
                now -> metrics.budgets(context.taskId().toString(), budgets.current(now), tenants));
    }

    @Override
    public void close() {
        metrics.forgetTask(context().taskId().toString());
    }

    @Override
    public void process(Record<String, RouterInput> record) {
        timestamp = record.timestamp();
        onResult = record.value() instanceof RouterInput.Result;
        long now = context().currentSystemTimeMs();
        Context parent = Tracing.extract(record.headers());
        input = Span.fromContext(parent).getSpanContext();
        try {
            switch (record.value()) {
                case RouterInput.Request r -> decide(r.planned(), parent, now);
                case RouterInput.Result r -> {
                    LlmResult result = r.result();
                    try (LogContext ignored = LogContext.open(
                            telemetry.service(),
                            result.requestId(),
                            result.tenantId(),
                            input.isValid() ? input.getTraceId() : null)) {
                        core.onResult(result, now);
                    }
                }
                case RouterInput.Cost c -> core.onCost(c.cost(), now);
            }
        } finally {
            timestamp = -1;
            onResult = false;
            input = SpanContext.getInvalid();
        }
    }

    private void decide(Planned planned, Context parent, long now) {
        LlmJob job = planned.job();
        Span span = telemetry.start(telemetry.span(SPAN, SpanKind.INTERNAL, parent));
        try (JobScope scope = telemetry.open(span, job.requestId(), job.tenantId())) {
            deciding = job.requestId();
            decidingSpan = span;
            core.onRequest(planned, scope.traceparent(), now);
        } finally {
            deciding = null;
            decidingSpan = null;
        }
    }

    private void forward(Decision decision) {
        String tenantId = switch (decision) {
            case Decision.Route r -> r.job().tenantId();
            case Decision.Complete c -> c.result().tenantId();
        };
        String requestId = switch (decision) {
            case Decision.Route r -> r.job().requestId();
            case Decision.Complete c -> c.result().requestId();
        };
        Headers headers = new RecordHeaders();
        SpanContext decided;
        if (decision.traceparent() == null && requestId.equals(deciding)) {
            describe(decidingSpan, decision);
            decided = decidingSpan.getSpanContext();
        } else {
            // A request that waited: its own trace (a new one, if it kept none), linked to what led here.
            SpanBuilder builder = telemetry
                    .span(SPAN, SpanKind.INTERNAL, Tracing.extract(decision.traceparent()))
                    .setAttribute(SluiceAttributes.REQUEST_ID, requestId)
                    .setAttribute(SluiceAttributes.TENANT_ID, tenantId);
            if (input.isValid()) {
                builder.addLink(input);
            }
            Span span = telemetry.start(builder);
            describe(span, decision);
            decided = span.getSpanContext();
            span.end();
        }
        Tracing.inject(decided, headers);
        try (LogContext ignored = LogContext.open(telemetry.service(), requestId, tenantId, decided.getTraceId())) {
            log.debug(
                    "Request decided: {}",
                    decision instanceof Decision.Route r
                            ? "routed to " + r.job().tier()
                            : "completed "
                                    + ((Decision.Complete) decision).result().status());
        }
        // Decisions made in a punctuation have no input record; they take the wall-clock time.
        long ts = timestamp >= 0 ? timestamp : context().currentSystemTimeMs();
        metrics.decided(decision, onResult, context().currentSystemTimeMs());
        context().forward(new Record<>(tenantId, decision, ts, headers));
    }

    private static void describe(Span span, Decision decision) {
        switch (decision) {
            case Decision.Route r ->
                span.setAttribute(SluiceAttributes.DECISION, "route")
                        .setAttribute("sluice.tier", r.job().tier().name())
                        .setAttribute(
                                "sluice.priority", r.job().request().priority().name())
                        .setAttribute("sluice.batch_eligible", r.job().batchEligible())
                        .setAttribute("sluice.route_reason", r.job().routeReason())
                        .setAttribute("sluice.estimated_cost_micros", r.job().estimatedCostMicros());
            case Decision.Complete c -> {
                LlmResult result = c.result();
                span.setAttribute(SluiceAttributes.DECISION, "complete")
                        .setAttribute(SluiceAttributes.STATUS, result.status().name())
                        .setAttribute("sluice.cache_hit", result.cacheHit().name());
                if (result.error() != null) {
                    span.setAttribute(SluiceAttributes.REASON, result.error().code());
                }
                if (result.duplicateOf() != null) {
                    span.setAttribute("sluice.duplicate_of", result.duplicateOf());
                }
            }
        }
    }
}
