package dev.sluice.router;

import static dev.sluice.router.RouterHarness.build;
import static dev.sluice.router.RouterHarness.tenant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmResult;
import dev.sluice.model.TenantConfig;
import dev.sluice.runtime.Tracing;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.runtime.tracing.Telemetry;
import dev.sluice.runtime.tracing.TracingSettings;
import dev.sluice.testkit.OtlpReceiver;
import dev.sluice.testkit.OtlpReceiver.ReceivedSpan;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every record a request leads to in the router carries the request's trace, through the decide
 * step's span: its job, its QUEUED event, its completion; also when it waited (a
 * duplicate, a single-flight follower) and is decided on another record or in a punctuation.
 */
class RouterTracingTest {
    private static final String TRACE_A = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String TRACE_B = "0af7651916cd43dd8448eb211c80319c";
    private static final String TRACE_RESULT = "5b8efff798038103d269b633813fc60c";
    private static final String CALLER_SPAN = "00f067aa0ba902b7";

    private final OtlpReceiver receiver = OtlpReceiver.start();
    private final Telemetry telemetry =
            Telemetry.start("router-stream", new TracingSettings(receiver.endpoint() + "/v1/traces", 1.0));
    private final RouterHarness h = RouterHarness.traced(telemetry, Duration.ofMinutes(2));

    @AfterEach
    void close() {
        h.close();
        telemetry.close();
        receiver.close();
    }

    @Test
    void shouldCarryTheRequestsTraceThroughTheDecisionToItsJobAndEvents() {
        h.tenant(tenant("acme"));

        h.sendTo(h.topics.requests(), "acme", build("r1", "acme").done(), traceparent(TRACE_A));

        List<TestRecord<String, LlmJob>> jobs = jobRecords();
        assertThat(jobs)
                .singleElement()
                .satisfies(j -> assertThat(j.value().requestId()).isEqualTo("r1"));
        String jobTrace = Tracing.from(jobs.getFirst().headers());
        assertThat(Tracing.traceId(jobTrace)).isEqualTo(TRACE_A);
        assertThat(eventTraceparents()).as("its QUEUED event").containsExactly(jobTrace);

        ReceivedSpan decide = only(spans("router decide"));
        assertThat(decide.traceId()).isEqualTo(TRACE_A);
        assertThat(decide.parentSpanId()).isEqualTo(CALLER_SPAN);
        assertThat(decide.attribute("sluice.decision")).isEqualTo("route");
        assertThat(decide.attribute("sluice.request_id")).isEqualTo("r1");
        assertThat(jobTrace).contains(decide.spanId());
    }

    @Test
    void shouldStartATraceForARequestThatCarriesNone() {
        h.tenant(tenant("acme"));

        h.send(build("untraced", "acme").done());

        String jobTrace = Tracing.from(only(jobRecords()).headers());
        assertThat(Tracing.isValid(jobTrace)).isTrue();
        ReceivedSpan decide = only(spans("router decide"));
        assertThat(decide.parentSpanId()).isEmpty();
        assertThat(jobTrace).contains(decide.traceId()).contains(decide.spanId());
    }

    @Test
    void shouldAnswerAWaitingDuplicateInItsOwnTraceLinkedToTheResultThatEndedIt() {
        h.tenant(tenant("acme"));
        h.sendTo(
                h.topics.requests(),
                "acme",
                build("first", "acme").idempotencyKey("order-42").done(),
                traceparent(TRACE_A));
        LlmJob first = only(jobRecords()).value();
        h.sendTo(
                h.topics.requests(),
                "acme",
                build("again", "acme").idempotencyKey("order-42").done(),
                traceparent(TRACE_B));
        assertThat(completionRecords()).isEmpty();

        resultWithTrace(RouterHarness.succeeded(first, "the answer", 900), TRACE_RESULT);

        TestRecord<String, LlmResult> duplicate = only(completionRecords());
        assertThat(duplicate.value().requestId()).isEqualTo("again");
        assertThat(Tracing.traceId(Tracing.from(duplicate.headers()))).isEqualTo(TRACE_B);
        List<ReceivedSpan> inB = spans("router decide").stream()
                .filter(s -> s.traceId().equals(TRACE_B))
                .toList();
        assertThat(inB).hasSize(2);
        ReceivedSpan arrival = inB.stream()
                .filter(s -> s.parentSpanId().equals(CALLER_SPAN))
                .findFirst()
                .orElseThrow();
        ReceivedSpan answer = inB.stream().filter(s -> s != arrival).findFirst().orElseThrow();
        assertThat(arrival.attributes()).doesNotContainKey("sluice.decision");
        assertThat(answer.parentSpanId()).isEqualTo(arrival.spanId());
        assertThat(answer.attribute("sluice.decision")).isEqualTo("complete");
        assertThat(answer.attribute("sluice.duplicate_of")).isEqualTo("first");
        assertThat(answer.links())
                .singleElement()
                .satisfies(l -> assertThat(l.traceId()).isEqualTo(TRACE_RESULT));
        assertThat(Tracing.from(duplicate.headers())).contains(answer.spanId());
    }

    @Test
    void shouldRouteAFollowerInItsOwnTraceWhenItsWaitEndsInAPunctuation() {
        h.tenant(caching("acme"));
        h.sendTo(
                h.topics.requests(),
                "acme",
                build("leader", "acme").temperature(0.0).done(),
                traceparent(TRACE_A));
        h.sendTo(
                h.topics.requests(),
                "acme",
                build("follower", "acme").temperature(0.0).done(),
                traceparent(TRACE_B));
        assertThat(jobRecords()).extracting(r -> r.value().requestId()).containsExactly("leader");

        h.advance(Duration.ofMinutes(2).plusSeconds(2));

        TestRecord<String, LlmJob> follower = only(jobRecords());
        assertThat(follower.value().requestId()).isEqualTo("follower");
        assertThat(Tracing.traceId(Tracing.from(follower.headers()))).isEqualTo(TRACE_B);
        ReceivedSpan routed = spans("router decide").stream()
                .filter(s -> s.traceId().equals(TRACE_B) && "route".equals(s.attribute("sluice.decision")))
                .findFirst()
                .orElseThrow();
        assertThat(routed.links()).as("a punctuation has no record to link to").isEmpty();
        assertThat(Tracing.from(follower.headers())).contains(routed.spanId());
    }

    @Test
    void shouldTraceARefusalInValidationWithItsReason() {
        h.tenant(tenant("acme"));

        h.sendTo(
                h.topics.requests(),
                "acme",
                build("empty", "acme").maxOutputTokens(0).done(),
                traceparent(TRACE_A));

        TestRecord<String, LlmResult> refusal = only(completionRecords());
        ReceivedSpan validate = only(spans("router validate"));
        assertThat(validate.parentSpanId()).isEqualTo(CALLER_SPAN);
        assertThat(validate.attribute("sluice.status")).isEqualTo("REJECTED");
        assertThat(validate.attribute("sluice.reason"))
                .isEqualTo(refusal.value().error().code());
        assertThat(Tracing.from(refusal.headers())).isEqualTo("00-" + TRACE_A + "-" + validate.spanId() + "-01");
    }

    // ---- helpers ----

    private static RecordHeader traceparent(String traceId) {
        return new RecordHeader(
                Tracing.TRACEPARENT, ("00-" + traceId + "-" + CALLER_SPAN + "-01").getBytes(StandardCharsets.UTF_8));
    }

    private void resultWithTrace(LlmResult result, String traceId) {
        var in = h.driver.createInputTopic(
                h.topics.results(), new StringSerializer(), h.serdes.results().serializer());
        in.pipeInput(
                new TestRecord<>(result.tenantId(), result, new RecordHeaders(List.of(traceparent(traceId))), h.now()));
    }

    private List<TestRecord<String, LlmJob>> jobRecords() {
        List<String> topics = new ArrayList<>(h.topics.jobTopics(Topics.ROUTED_TIERS));
        topics.add(h.topics.jobsBatch());
        List<TestRecord<String, LlmJob>> out = new ArrayList<>();
        for (String topic : topics) {
            out.addAll(h.driver
                    .createOutputTopic(
                            topic, new StringDeserializer(), h.serdes.jobs().deserializer())
                    .readRecordsToList());
        }
        return out;
    }

    private List<TestRecord<String, LlmResult>> completionRecords() {
        return h.driver
                .createOutputTopic(
                        h.topics.completions(),
                        new StringDeserializer(),
                        h.serdes.results().deserializer())
                .readRecordsToList();
    }

    private List<String> eventTraceparents() {
        return h
                .driver
                .createOutputTopic(
                        h.topics.jobEvents(),
                        new StringDeserializer(),
                        h.serdes.jobStatus().deserializer())
                .readRecordsToList()
                .stream()
                .map(r -> Tracing.from(r.headers()))
                .toList();
    }

    /** The spans exported so far with this name; closing the harness's telemetry first flushes them. */
    private List<ReceivedSpan> spans(String name) {
        telemetry.close();
        return receiver.spans().stream().filter(s -> s.name().equals(name)).toList();
    }

    private static <T> T only(List<T> list) {
        assertThat(list).hasSize(1);
        return list.getFirst();
    }

    private static TenantConfig caching(String id) {
        TenantConfig base = tenant(id);
        return new TenantConfig(
                id,
                null,
                null,
                null,
                null,
                null,
                null,
                base.webhooks(),
                null,
                new TenantConfig.CachePolicy(true, false, 3600),
                null,
                3600,
                1,
                RouterHarness.T0);
    }
}
