package dev.sluice.ingest;

import dev.sluice.model.LlmRequest;
import dev.sluice.runtime.Tracing;
import dev.sluice.runtime.tracing.JobScope;
import dev.sluice.runtime.tracing.SluiceAttributes;
import dev.sluice.runtime.tracing.Telemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The trace of an HTTP request and of the jobs it stores. The request is a SERVER span that
 * continues the caller's {@code traceparent}, or starts a trace; a single job is that span (its
 * records carry its context), and each job of a batch gets an {@code ingest accept} span of its
 * own under it, so that each job's trace shows its own acceptance.
 */
final class AcceptSpans implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AcceptSpans.class);
    static final AttributeKey<String> HTTP_METHOD = AttributeKey.stringKey("http.request.method");
    static final AttributeKey<String> HTTP_ROUTE = AttributeKey.stringKey("http.route");

    private final Map<String, Span> jobs = new HashMap<>();

    /** Runs the handler in the request's span, current on this thread, with its answer's status on it. */
    static void serve(
            Telemetry telemetry,
            String route,
            UnaryOperator<String> headers,
            io.javalin.http.Context ctx,
            Handler handler)
            throws java.io.IOException {
        Span span = telemetry.start(telemetry
                .span("POST " + route, SpanKind.SERVER, Tracing.extract(headers))
                .setAttribute(HTTP_METHOD, "POST")
                .setAttribute(HTTP_ROUTE, route));
        try (JobScope ignored = telemetry.open(span, null, null)) {
            try {
                handler.handle(ctx);
            } catch (java.io.IOException | RuntimeException e) {
                span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
                throw e;
            } finally {
                span.setAttribute(SluiceAttributes.HTTP_STATUS, (long) ctx.statusCode());
            }
        }
    }

    @FunctionalInterface
    interface Handler {
        void handle(io.javalin.http.Context ctx) throws java.io.IOException;
    }

    /** The jobs about to be stored: one job names the request's span; a batch's each get theirs. */
    static AcceptSpans of(Telemetry telemetry, List<LlmRequest> requests, boolean batch) {
        AcceptSpans spans = new AcceptSpans();
        if (!batch) {
            JobScope.identify(
                    requests.getFirst().requestId(), requests.getFirst().tenantId());
            log.debug("Storing the job");
            return spans;
        }
        JobScope.identify(null, requests.getFirst().tenantId());
        for (LlmRequest r : requests) {
            spans.jobs.put(
                    r.requestId(),
                    telemetry.start(telemetry
                            .span("ingest accept", SpanKind.INTERNAL, Context.current())
                            .setAttribute(SluiceAttributes.REQUEST_ID, r.requestId())
                            .setAttribute(SluiceAttributes.TENANT_ID, r.tenantId())));
        }
        return spans;
    }

    /** What the job's records carry. */
    String traceparent(LlmRequest request) {
        Span span = jobs.getOrDefault(request.requestId(), Span.current());
        return Tracing.traceparent(span.getSpanContext());
    }

    /** None of the jobs was stored. */
    void failed(String why) {
        jobs.values().forEach(s -> s.setStatus(StatusCode.ERROR, why));
        if (jobs.isEmpty()) {
            Span.current().setStatus(StatusCode.ERROR, why);
        }
    }

    @Override
    public void close() {
        jobs.values().forEach(Span::end);
    }
}
