package dev.sluice.runtime.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One service's tracing: the OpenTelemetry SDK exporting over OTLP/HTTP (through the JDK's
 * HttpClient), or, with {@code tracing.otlp.endpoint} none, the API's no-op tracer, whose spans
 * cost nothing and carry an incoming trace context on unchanged. Each service has its own, named
 * after it, so that services sharing a JVM (the demo, {@code up}, tests) still report as four.
 *
 * <p>Sampling is parent-based: a trace this service starts is kept with probability
 * {@code tracing.sample.ratio}; a trace continued from a caller or from an upstream service's
 * record keeps the upstream decision, so a job's trace is kept whole or not at all.
 */
public final class Telemetry implements AutoCloseable {
    static final ContextKey<Telemetry> CURRENT = ContextKey.named("sluice.telemetry");
    private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
    private static final Duration EXPORT_TIMEOUT = Duration.ofSeconds(10);
    private static final IdGenerator IDS = IdGenerator.random();
    private static final Telemetry UNNAMED = off("unknown");

    private final String service;
    private final SdkTracerProvider provider;
    private final Tracer tracer;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Telemetry(String service, SdkTracerProvider provider) {
        this.service = service;
        this.provider = provider;
        this.tracer =
                provider == null ? OpenTelemetry.noop().getTracer("dev.sluice") : provider.get("dev.sluice." + service);
    }

    /** The service's tracing as configured: exporting to the endpoint, or off. */
    public static Telemetry start(String service, TracingSettings settings) {
        if (!settings.enabled()) {
            return off(service);
        }
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder()
                .setEndpoint(settings.endpoint())
                .setTimeout(EXPORT_TIMEOUT)
                .build();
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(SERVICE_NAME, service))))
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(settings.sampleRatio())))
                .addSpanProcessor(BatchSpanProcessor.builder(exporter).build())
                .build();
        return new Telemetry(service, provider);
    }

    /** No spans recorded; trace context is still carried and started, for records and logs. */
    public static Telemetry off(String service) {
        return new Telemetry(service, null);
    }

    /**
     * The telemetry of the job whose {@link JobScope} is open on this thread, so that code below a
     * job (a provider call, say) makes its spans without being handed a tracer; off when none is.
     */
    public static Telemetry current() {
        Telemetry t = Context.current().get(CURRENT);
        return t == null ? UNNAMED : t;
    }

    public String service() {
        return service;
    }

    public boolean enabled() {
        return provider != null;
    }

    public Tracer tracer() {
        return tracer;
    }

    /** A span builder of this service, child of the span in {@code parent} (a root when it holds none). */
    public SpanBuilder span(String name, SpanKind kind, Context parent) {
        return tracer.spanBuilder(name).setSpanKind(kind).setParent(parent);
    }

    /**
     * Starts the span. With tracing off and no parent to carry on, it is given new ids that no one
     * records, so that the job still has a trace id in its records and its log lines.
     */
    public Span start(SpanBuilder builder) {
        Span span = builder.startSpan();
        if (span.getSpanContext().isValid()) {
            return span;
        }
        return Span.wrap(SpanContext.create(
                IDS.generateTraceId(), IDS.generateSpanId(), TraceFlags.getDefault(), TraceState.getDefault()));
    }

    /** Makes the span current on this thread, with the job's ids in the log context, until closed. */
    public JobScope open(Span span, String requestId, String tenantId) {
        return new JobScope(this, span, requestId, tenantId);
    }

    /** Exports what is left (up to 10 s) and stops. */
    @Override
    public void close() {
        if (provider != null && closed.compareAndSet(false, true)) {
            provider.shutdown().join(EXPORT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
    }
}
