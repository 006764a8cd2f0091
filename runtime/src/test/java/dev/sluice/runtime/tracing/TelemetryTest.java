package dev.sluice.runtime.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.runtime.Tracing;
import dev.sluice.testkit.OtlpReceiver;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class TelemetryTest {
    private static final String CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CALLER_SPAN = "00f067aa0ba902b7";
    private static final String CALLER = "00-" + CALLER_TRACE + "-" + CALLER_SPAN + "-01";

    @Test
    void shouldExportNoTraceItStartsWhenTheSampleRatioIsZero() throws Exception {
        try (OtlpReceiver receiver = OtlpReceiver.start()) {
            // given a service sampling none of the traces it starts, and one sampling all
            Telemetry none = Telemetry.start("none", new TracingSettings(receiver.endpoint() + "/v1/traces", 0.0));
            Telemetry all = Telemetry.start("all", new TracingSettings(receiver.endpoint() + "/v1/traces", 1.0));

            // when each starts ten traces
            for (int i = 0; i < 10; i++) {
                none.start(none.span("root", SpanKind.INTERNAL, Context.root())).end();
                all.start(all.span("root", SpanKind.INTERNAL, Context.root())).end();
            }
            none.close();
            all.close();

            // then only the sampled service's spans reach the collector
            assertThat(receiver.spans())
                    .hasSize(10)
                    .allSatisfy(s -> assertThat(s.service()).isEqualTo("all"));
        }
    }

    @Test
    void shouldKeepACallersSampledTraceWhateverTheRatio() {
        try (OtlpReceiver receiver = OtlpReceiver.start()) {
            Telemetry none = Telemetry.start("none", new TracingSettings(receiver.endpoint() + "/v1/traces", 0.0));

            none.start(none.span("continued", SpanKind.SERVER, Tracing.extract(CALLER)))
                    .end();
            none.close();

            assertThat(receiver.spans()).singleElement().satisfies(s -> {
                assertThat(s.traceId()).isEqualTo(CALLER_TRACE);
                assertThat(s.parentSpanId()).isEqualTo(CALLER_SPAN);
            });
        }
    }

    @Test
    void shouldContinueACallersTraceparentFromKafkaHeaders() {
        try (OtlpReceiver receiver = OtlpReceiver.start()) {
            Telemetry telemetry = Telemetry.start("svc", new TracingSettings(receiver.endpoint() + "/v1/traces", 1.0));
            RecordHeaders in = new RecordHeaders();
            Tracing.put(in, CALLER);

            Span span = telemetry.start(telemetry.span("step", SpanKind.CONSUMER, Tracing.extract(in)));
            RecordHeaders out = new RecordHeaders();
            Tracing.inject(span.getSpanContext(), out);
            span.end();
            telemetry.close();

            assertThat(Tracing.from(out))
                    .startsWith("00-" + CALLER_TRACE + "-")
                    .endsWith("-01")
                    .isNotEqualTo(CALLER);
            assertThat(receiver.spans()).singleElement().satisfies(s -> {
                assertThat(s.traceId()).isEqualTo(CALLER_TRACE);
                assertThat(s.parentSpanId()).isEqualTo(CALLER_SPAN);
                assertThat(Tracing.from(out)).contains(s.spanId());
            });
        }
    }

    @Test
    void shouldPassACallersTraceOnUnchangedWhenTracingIsOff() {
        Telemetry off = Telemetry.start("svc", TracingSettings.OFF);

        Span continued = off.start(off.span("step", SpanKind.INTERNAL, Tracing.extract(CALLER)));
        Span started = off.start(off.span("step", SpanKind.INTERNAL, Tracing.extract((String) null)));

        assertThat(off.enabled()).isFalse();
        assertThat(continued.isRecording()).isFalse();
        assertThat(Tracing.traceparent(continued.getSpanContext())).isEqualTo(CALLER);
        // No caller: a trace id all the same, for the job's records and logs, marked not sampled.
        assertThat(Tracing.traceparent(started.getSpanContext()))
                .matches("00-[0-9a-f]{32}-[0-9a-f]{16}-00")
                .satisfies(t -> assertThat(Tracing.isValid(t)).isTrue());
    }

    @Test
    void shouldIgnoreAMalformedTraceparent() {
        RecordHeaders in = new RecordHeaders();
        Tracing.put(in, "00-nothex-00f067aa0ba902b7-01");

        assertThat(Span.fromContext(Tracing.extract(in)).getSpanContext().isValid())
                .isFalse();
    }

    @Test
    void shouldPutTheJobsFieldsInTheLogContextOfItsOwnVirtualThreadOnly() throws Exception {
        Telemetry telemetry = Telemetry.off("worker-pool");
        List<Map<String, String>> seen = new ArrayList<>();
        Thread job = Thread.ofVirtual().start(() -> {
            MDC.put("unrelated", "kept");
            Span span = telemetry.start(telemetry.span("worker job", SpanKind.CONSUMER, Tracing.extract(CALLER)));
            try (JobScope scope = telemetry.open(span, "req-1", "acme")) {
                seen.add(new HashMap<>(MDC.getCopyOfContextMap()));
                assertThat(Telemetry.current()).isSameAs(telemetry);
                assertThat(Span.current().getSpanContext().getTraceId()).isEqualTo(CALLER_TRACE);
            }
            seen.add(new HashMap<>(MDC.getCopyOfContextMap()));
        });
        job.join();

        assertThat(seen.get(0))
                .containsEntry("service", "worker-pool")
                .containsEntry("requestId", "req-1")
                .containsEntry("tenantId", "acme")
                .containsEntry("traceId", CALLER_TRACE)
                .containsEntry("unrelated", "kept");
        assertThat(seen.get(1)).containsOnly(Map.entry("unrelated", "kept"));
        assertThat(MDC.get("requestId")).isNull();
    }
}
