package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.runtime.Tracing;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.OtlpReceiver;
import dev.sluice.testkit.OtlpReceiver.ReceivedSpan;
import dev.sluice.testkit.SluiceKafka;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The HTTP request as a span under the caller's traceparent, and each stored job in it. */
@SluiceKafka
class IngestTracingIT {
    private static final String JOB = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String CALLER_TRACE = "0af7651916cd43dd8448eb211c80319c";
    private static final String CALLER = "00-" + CALLER_TRACE + "-b7ad6b7169203331-01";
    private static OtlpReceiver collector;
    private static IngestHarness h;
    private static String key;

    @BeforeAll
    static void start(KafkaStack kafka) throws Exception {
        collector = OtlpReceiver.start();
        h = IngestHarness.start(kafka, Map.of("tracing.otlp.endpoint", collector.endpoint()));
        h.putTenant("acme");
        key = h.issueKey("acme");
        h.awaitKeyAnswered(key, 400);
    }

    @AfterAll
    static void stop() {
        h.close();
        collector.close();
    }

    @Test
    void shouldStoreEachJobOfABatchInItsOwnAcceptSpanUnderTheCallersRequest() throws Exception {
        Map<TopicPartition, Long> before = h.endOffsets();

        HttpResponse<String> response = h.post(
                "/v1/jobs:batch",
                "{\"jobs\":[" + JOB + "," + JOB + "," + JOB + "]}",
                Map.of("Authorization", "Bearer " + key, "traceparent", CALLER));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        List<ConsumerRecord<String, byte[]>> requests = h.recordsSince(before, h.topics.requests(), r -> r.size() >= 3);
        List<ConsumerRecord<String, byte[]>> accepted =
                h.recordsSince(before, h.topics.jobEvents(), r -> r.size() >= 3);
        Set<String> requestSpans = spanIds(requests);
        assertThat(requestSpans).hasSize(3);
        assertThat(spanIds(accepted)).isEqualTo(requestSpans);
        assertThat(requests)
                .allSatisfy(r ->
                        assertThat(Tracing.traceId(Tracing.from(r.headers()))).isEqualTo(CALLER_TRACE));

        ReceivedSpan post = exported(CALLER_TRACE, "POST /v1/jobs:batch");
        List<ReceivedSpan> trace = collector.trace(CALLER_TRACE);
        assertThat(post.parentSpanId()).isEqualTo("b7ad6b7169203331");
        assertThat(post.attribute("http.response.status_code")).isEqualTo(202L);
        List<ReceivedSpan> jobs =
                trace.stream().filter(s -> s.name().equals("ingest accept")).toList();
        assertThat(jobs).hasSize(3).allSatisfy(s -> assertThat(s.parentSpanId()).isEqualTo(post.spanId()));
        assertThat(jobs.stream().map(ReceivedSpan::spanId).collect(Collectors.toSet()))
                .isEqualTo(requestSpans);
        List<String> ids =
                new ObjectMapper().readTree(response.body()).path("jobs").findValuesAsText("requestId");
        assertThat(jobs).extracting(s -> s.attribute("sluice.request_id")).containsExactlyInAnyOrderElementsOf(ids);
    }

    @Test
    void shouldStartATraceForAJobWhoseCallerSentNone() throws Exception {
        Map<TopicPartition, Long> before = h.endOffsets();

        HttpResponse<String> response = h.post("/v1/jobs", JOB, key);

        assertThat(response.statusCode()).isEqualTo(202);
        ConsumerRecord<String, byte[]> request =
                h.recordsSince(before, h.topics.requests(), r -> !r.isEmpty()).getFirst();
        String traceId = Tracing.traceId(Tracing.from(request.headers()));
        assertThat(traceId).isNotNull().isNotEqualTo(CALLER_TRACE);
        ReceivedSpan post = exported(traceId, "POST /v1/jobs");
        assertThat(post.parentSpanId()).isEmpty();
        assertThat(post.kind()).isEqualTo("SPAN_KIND_SERVER");
        assertThat(post.attribute("sluice.tenant_id")).isEqualTo("acme");
        assertThat(Tracing.from(request.headers())).contains(post.spanId());
    }

    /**
     * The request's span once the service's exporter has sent it (it sends every few seconds); its
     * jobs' spans ended before it, so they were sent no later.
     */
    private static ReceivedSpan exported(String traceId, String name) {
        return await().alias(name + " of trace " + traceId + " exported")
                .atMost(Duration.ofSeconds(20))
                .until(
                        () -> collector.trace(traceId).stream()
                                .filter(s -> s.name().equals(name))
                                .findFirst(),
                        Optional::isPresent)
                .orElseThrow();
    }

    private static Set<String> spanIds(List<ConsumerRecord<String, byte[]>> records) {
        return records.stream()
                .map(r -> Tracing.from(r.headers()).substring(36, 52))
                .collect(Collectors.toSet());
    }
}
