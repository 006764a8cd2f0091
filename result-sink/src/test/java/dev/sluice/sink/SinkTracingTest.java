package dev.sluice.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.JobStatus;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.ResultStatus;
import dev.sluice.runtime.Tracing;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.runtime.tracing.Telemetry;
import dev.sluice.runtime.tracing.TracingSettings;
import dev.sluice.schemas.registry.InMemorySchemaRegistry;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.testkit.OtlpReceiver;
import dev.sluice.testkit.OtlpReceiver.ReceivedSpan;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A completion's trace goes on, through the {@code sink result} span, to its result and its status. */
class SinkTracingTest {
    private static final Instant T0 = Instant.parse("2026-11-22T12:00:00Z");
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String WORKER_SPAN = "00f067aa0ba902b7";

    private final Topics topics = new Topics("llm.");
    private final String scope = "sink-" + UUID.randomUUID();
    private final SluiceSerdes serdes = new SluiceSerdes(InMemorySchemaRegistry.forScope(scope));
    private final OtlpReceiver collector = OtlpReceiver.start();
    private final Telemetry telemetry =
            Telemetry.start("result-sink", new TracingSettings(collector.endpoint() + "/v1/traces", 1.0));
    private final TopologyTestDriver driver;

    SinkTracingTest() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "sink-tracing-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        driver = new TopologyTestDriver(
                new SinkTopology(topics, serdes, Duration.ofDays(7), Duration.ofDays(2), telemetry, SinkMetrics.none())
                        .build(),
                props,
                T0);
    }

    @AfterEach
    void stop() {
        driver.close();
        telemetry.close();
        collector.close();
        InMemorySchemaRegistry.dropScope(scope);
    }

    @Test
    void shouldCarryTheCompletionsTraceThroughTheSinkResultSpanToItsResultAndStatus() {
        RecordHeaders headers = new RecordHeaders();
        Tracing.put(headers, "00-" + TRACE + "-" + WORKER_SPAN + "-01");
        LlmResult completion = LlmResult.forRequest(LlmRequest.of("r-1", "acme", "q", T0))
                .status(ResultStatus.SUCCEEDED)
                .output("answer")
                .completedAt(T0.plusSeconds(1))
                .build();

        driver.createInputTopic(
                        topics.completions(),
                        new StringSerializer(),
                        serdes.results().serializer())
                .pipeInput(new TestRecord<>("acme", completion, headers, T0));
        driver.createInputTopic(
                        topics.completions(),
                        new StringSerializer(),
                        serdes.results().serializer())
                .pipeInput(new TestRecord<>("acme", completion, headers, T0.plusSeconds(1)));

        TestRecord<String, LlmResult> result = driver.createOutputTopic(
                        topics.results(),
                        new StringDeserializer(),
                        serdes.results().deserializer())
                .readRecord();
        List<TestRecord<String, JobStatus>> status = driver.createOutputTopic(
                        topics.jobStatus(),
                        new StringDeserializer(),
                        serdes.jobStatus().deserializer())
                .readRecordsToList();
        telemetry.close();
        List<ReceivedSpan> spans = collector.trace(TRACE);
        assertThat(spans).hasSize(2).allSatisfy(s -> {
            assertThat(s.name()).isEqualTo("sink result");
            assertThat(s.parentSpanId()).isEqualTo(WORKER_SPAN);
        });
        ReceivedSpan first = spans.stream()
                .filter(s -> "result".equals(s.attribute("sluice.decision")))
                .findFirst()
                .orElseThrow();
        assertThat(first.attribute("sluice.status")).isEqualTo("SUCCEEDED");
        assertThat(spans)
                .filteredOn(s -> "dropped".equals(s.attribute("sluice.decision")))
                .hasSize(1);
        String expected = "00-" + TRACE + "-" + first.spanId() + "-01";
        assertThat(Tracing.from(result.headers())).isEqualTo(expected);
        assertThat(status)
                .singleElement()
                .satisfies(s -> assertThat(Tracing.from(s.headers())).isEqualTo(expected));
    }
}
