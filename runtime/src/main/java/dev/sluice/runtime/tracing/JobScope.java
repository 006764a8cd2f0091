package dev.sluice.runtime.tracing;

import dev.sluice.runtime.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import org.apache.kafka.common.header.Headers;

/**
 * A thread's work on one job: its span is current (spans started below it are its children, on
 * virtual threads too: the context is the thread's own) and its ids are in the log context.
 * Closing ends the span and puts the thread's context back as it was; it must happen on the
 * thread that opened it.
 */
public final class JobScope implements AutoCloseable {
    private final Span span;
    private final Scope scope;
    private final LogContext logs;

    // The Scope is this AutoCloseable's own: close() closes it, on the thread that opened it.
    @SuppressWarnings("MustBeClosedChecker")
    JobScope(Telemetry telemetry, Span span, String requestId, String tenantId) {
        this.span = span;
        this.scope =
                Context.current().with(span).with(Telemetry.CURRENT, telemetry).makeCurrent();
        this.logs = LogContext.open(
                telemetry.service(), requestId, tenantId, span.getSpanContext().getTraceId());
        ids(requestId, tenantId);
    }

    public Span span() {
        return span;
    }

    /** The W3C traceparent of this span, for what the job produces. */
    public String traceparent() {
        return Tracing.traceparent(span.getSpanContext());
    }

    /** Puts this span's trace context in the headers of a record the job produces. */
    public void inject(Headers headers) {
        Tracing.inject(span.getSpanContext(), headers);
    }

    /** The job's ids, once known. */
    public JobScope ids(String requestId, String tenantId) {
        logs.ids(requestId, tenantId);
        attributes(span, requestId, tenantId);
        return this;
    }

    /**
     * The ids of the job the scope open on this thread turned out to be about: ingest learns them
     * only once the request's span has started.
     */
    public static void identify(String requestId, String tenantId) {
        LogContext.identify(requestId, tenantId);
        attributes(Span.current(), requestId, tenantId);
    }

    private static void attributes(Span span, String requestId, String tenantId) {
        if (requestId != null) {
            span.setAttribute(SluiceAttributes.REQUEST_ID, requestId);
        }
        if (tenantId != null) {
            span.setAttribute(SluiceAttributes.TENANT_ID, tenantId);
        }
    }

    @Override
    public void close() {
        logs.close();
        scope.close();
        span.end();
    }
}
