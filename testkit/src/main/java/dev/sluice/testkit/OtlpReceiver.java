package dev.sluice.testkit;

import com.google.protobuf.ByteString;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;

/**
 * A real OTLP/HTTP trace receiver, as a collector would be: it takes {@code POST /v1/traces}
 * (protobuf, gzip or not), decodes each export with the OpenTelemetry protocol's own classes, and
 * keeps every span with its service. Tests point {@code tracing.otlp.endpoint} at {@link #endpoint()}.
 */
public final class OtlpReceiver implements AutoCloseable {
    private static final HexFormat HEX = HexFormat.of();

    /** One span as exported. Ids are lower-case hex; a root span's parent is empty. */
    public record ReceivedSpan(
            String service,
            String traceId,
            String spanId,
            String parentSpanId,
            String name,
            String kind,
            long startNanos,
            long endNanos,
            Map<String, Object> attributes,
            List<Link> links,
            String statusCode) {
        public Object attribute(String key) {
            return attributes.get(key);
        }
    }

    /** A link from a span to another span's context. */
    public record Link(String traceId, String spanId) {}

    private final HttpServer server;
    private final Queue<ReceivedSpan> spans = new ConcurrentLinkedQueue<>();
    private final AtomicInteger exports = new AtomicInteger();

    private OtlpReceiver(HttpServer server) {
        this.server = server;
    }

    /** Listens on a free loopback port. */
    public static OtlpReceiver start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            OtlpReceiver receiver = new OtlpReceiver(server);
            server.createContext("/v1/traces", receiver::receive);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.start();
            return receiver;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the OTLP receiver", e);
        }
    }

    /** The collector's base URL, as {@code tracing.otlp.endpoint} takes it. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Every span received so far. */
    public List<ReceivedSpan> spans() {
        return new ArrayList<>(spans);
    }

    /** The spans of one trace. */
    public List<ReceivedSpan> trace(String traceId) {
        return spans.stream().filter(s -> s.traceId().equals(traceId)).toList();
    }

    /** Export requests received, empty ones included. */
    public int exports() {
        return exports.get();
    }

    private void receive(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("POST")) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
                body = ("gzip".equalsIgnoreCase(encoding) ? new GZIPInputStream(in) : in).readAllBytes();
            }
            ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(body);
            exports.incrementAndGet();
            for (ResourceSpans resource : request.getResourceSpansList()) {
                String service = String.valueOf(
                        attributes(resource.getResource().getAttributesList()).get("service.name"));
                for (ScopeSpans scope : resource.getScopeSpansList()) {
                    for (Span s : scope.getSpansList()) {
                        spans.add(new ReceivedSpan(
                                service,
                                hex(s.getTraceId()),
                                hex(s.getSpanId()),
                                hex(s.getParentSpanId()),
                                s.getName(),
                                s.getKind().name(),
                                s.getStartTimeUnixNano(),
                                s.getEndTimeUnixNano(),
                                attributes(s.getAttributesList()),
                                s.getLinksList().stream()
                                        .map(l -> new Link(hex(l.getTraceId()), hex(l.getSpanId())))
                                        .toList(),
                                s.getStatus().getCode().name()));
                    }
                }
            }
            byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
            exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
            if (answer.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(answer);
                }
            }
        }
    }

    private static String hex(ByteString id) {
        return HEX.formatHex(id.toByteArray());
    }

    private static Map<String, Object> attributes(List<KeyValue> values) {
        Map<String, Object> out = new LinkedHashMap<>();
        values.forEach(kv -> out.put(kv.getKey(), value(kv.getValue())));
        return out;
    }

    private static Object value(AnyValue v) {
        return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case INT_VALUE -> v.getIntValue();
            case DOUBLE_VALUE -> v.getDoubleValue();
            case BOOL_VALUE -> v.getBoolValue();
            case ARRAY_VALUE ->
                v.getArrayValue().getValuesList().stream()
                        .map(OtlpReceiver::value)
                        .toList();
            default -> v.toString();
        };
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
