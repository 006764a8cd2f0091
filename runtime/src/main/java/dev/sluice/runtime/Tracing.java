package dev.sluice.runtime;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * W3C trace context ({@code traceparent}, {@code tracestate}) carried in the Kafka headers of every
 * record a job produces, and on the webhook request. Each service reads it from what it consumes
 * ({@link #extract}), starts its span under it, and writes that span's context onto what it
 * produces ({@link #inject}); Kafka Streams copies headers itself through stateless steps.
 */
public final class Tracing {
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";
    private static final HexFormat HEX = HexFormat.of();
    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
    private static final TextMapGetter<UnaryOperator<String>> LOOKUP = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(UnaryOperator<String> carrier) {
            return List.of(TRACEPARENT, TRACESTATE);
        }

        @Override
        public String get(UnaryOperator<String> carrier, String key) {
            return carrier == null ? null : carrier.apply(key);
        }
    };

    private Tracing() {}

    /** A new sampled traceparent: version 00, random trace and span ids. */
    public static String newTraceparent() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        byte[] trace = new byte[16];
        byte[] span = new byte[8];
        r.nextBytes(trace);
        r.nextBytes(span);
        return "00-" + HEX.formatHex(trace) + "-" + HEX.formatHex(span) + "-01";
    }

    /** The caller's traceparent when it is well formed, else a new one. */
    public static String continueOrStart(String incoming) {
        return isValid(incoming) ? incoming : newTraceparent();
    }

    public static boolean isValid(String traceparent) {
        return traceparent != null
                && traceparent.matches("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")
                && !traceparent.substring(3, 35).equals("0".repeat(32));
    }

    /** The trace id part, for logs; null when absent. */
    public static String traceId(String traceparent) {
        return isValid(traceparent) ? traceparent.substring(3, 35) : null;
    }

    public static String from(Headers headers) {
        return header(headers, TRACEPARENT);
    }

    private static String header(Headers headers, String key) {
        Header h = headers == null ? null : headers.lastHeader(key);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    public static void put(Headers headers, String traceparent) {
        if (traceparent != null) {
            headers.remove(TRACEPARENT);
            headers.add(TRACEPARENT, traceparent.getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * The trace context the record's producer left in its headers, as the parent of a span; the
     * root context (a new trace) when there is none or it is malformed.
     */
    public static Context extract(Headers headers) {
        return extract(key -> header(headers, key));
    }

    /** The trace context in HTTP-style headers, looked up by (lower-case) name. */
    public static Context extract(UnaryOperator<String> headers) {
        return W3C.extract(Context.root(), headers, LOOKUP);
    }

    /** The trace context of one traceparent value; the root context when it is null or malformed. */
    public static Context extract(String traceparent) {
        return extract(key -> key.equals(TRACEPARENT) ? traceparent : null);
    }

    /** Writes the span's context over any trace headers the record already has; nothing for an invalid one. */
    public static void inject(SpanContext span, Headers headers) {
        if (!span.isValid()) {
            return;
        }
        headers.remove(TRACEPARENT);
        headers.remove(TRACESTATE);
        W3C.inject(
                Context.root().with(Span.wrap(span)),
                headers,
                (carrier, key, value) -> carrier.add(key, value.getBytes(StandardCharsets.UTF_8)));
    }

    /** The span's W3C traceparent; null for an invalid one. */
    public static String traceparent(SpanContext span) {
        return span.isValid()
                ? "00-" + span.getTraceId() + "-" + span.getSpanId() + "-"
                        + span.getTraceFlags().asHex()
                : null;
    }
}
