package dev.sluice.runtime;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * W3C trace context carried in the {@code traceparent} Kafka header across every hop. Ingest
 * starts a trace when the caller sent none; each service copies the header onto what it produces
 * (Kafka Streams does so itself for stateless steps).
 */
public final class Tracing {
    public static final String TRACEPARENT = "traceparent";
    private static final HexFormat HEX = HexFormat.of();

    private Tracing() {
    }

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
        return traceparent != null && traceparent.matches("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")
                && !traceparent.substring(3, 35).equals("0".repeat(32));
    }

    /** The trace id part, for logs; null when absent. */
    public static String traceId(String traceparent) {
        return isValid(traceparent) ? traceparent.substring(3, 35) : null;
    }

    public static String from(Headers headers) {
        Header h = headers == null ? null : headers.lastHeader(TRACEPARENT);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    public static void put(Headers headers, String traceparent) {
        if (traceparent != null) {
            headers.remove(TRACEPARENT);
            headers.add(TRACEPARENT, traceparent.getBytes(StandardCharsets.UTF_8));
        }
    }
}
