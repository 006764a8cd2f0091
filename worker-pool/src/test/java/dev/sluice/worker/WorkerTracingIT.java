package dev.sluice.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.JobState;
import dev.sluice.model.LlmJob;
import dev.sluice.runtime.Tracing;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.registry.RestSchemaRegistry;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.sim.ProviderSimulator;
import dev.sluice.sim.SimConfig;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.OtlpReceiver;
import dev.sluice.testkit.OtlpReceiver.ReceivedSpan;
import dev.sluice.testkit.SluiceKafka;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * A provider batch holds jobs of many traces: each job's own trace shows the batch's submission
 * and its collection, and a line the batch failed goes on, in the same trace, through the
 * synchronous path.
 */
@SluiceKafka
class WorkerTracingIT {
    private static final String TRACE_A = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String TRACE_B = "0af7651916cd43dd8448eb211c80319c";
    private static final String ROUTER_SPAN = "00f067aa0ba902b7";

    @Test
    void shouldShowEachBatchJobsSubmissionAndCollectionInItsOwnTrace(KafkaStack kafka) throws Exception {
        String prefix = kafka.newPrefix();
        Topics topics = new Topics(prefix);
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        try (OtlpReceiver collector = OtlpReceiver.start();
                ProviderSimulator sim = ProviderSimulator.start(SimConfig.defaults()
                        .withApiKeys(Set.of("sk-it"))
                        .withBatchProcessingTime(Duration.ofSeconds(1)))) {
            // given two jobs of one batch, each in its own trace; the batch fails the second's line
            LlmJob answered = BatchIT.job("answered", "gpt-4.1-mini", null, null);
            LlmJob redriven = BatchIT.job("redriven", "gpt-4.1-mini", BatchIT.FAIL, null);
            Map<String, String> values = BatchIT.config(kafka, prefix, sim);
            values.put("tracing.otlp.endpoint", collector.endpoint());
            List<ConsumerRecord<String, byte[]>> completions;
            List<ConsumerRecord<String, byte[]>> submitted;
            try (WorkerService worker = new WorkerService(BatchIT.workerConfig(values));
                    var producer = kafka.producer()) {
                worker.start();
                for (LlmJob job : List.of(answered, redriven)) {
                    RecordHeaders headers = new RecordHeaders();
                    Tracing.put(headers, "00-" + (job == answered ? TRACE_A : TRACE_B) + "-" + ROUTER_SPAN + "-01");
                    producer.send(new ProducerRecord<>(
                            topics.jobsBatch(),
                            null,
                            job.requestId(),
                            serdes.jobs().serializer().serialize(topics.jobsBatch(), job),
                            headers));
                }
                producer.flush();

                completions = kafka.readUntil(topics.completions(), r -> r.size() >= 2, Duration.ofSeconds(60));
                submitted = kafka.readUntil(
                        topics.jobEvents(),
                        r -> r.stream()
                                        .filter(e -> state(serdes, topics, e) == JobState.BATCH_SUBMITTED)
                                        .count()
                                >= 2,
                        Duration.ofSeconds(30));
            }

            // then every record about a job carries that job's own trace
            assertThat(completions)
                    .hasSize(2)
                    .allSatisfy(r -> assertThat(traceOf(r))
                            .isEqualTo(
                                    serdes.results()
                                                    .deserializer()
                                                    .deserialize(r.topic(), r.value())
                                                    .requestId()
                                                    .equals("answered")
                                            ? TRACE_A
                                            : TRACE_B));
            assertThat(submitted)
                    .filteredOn(e -> state(serdes, topics, e) == JobState.BATCH_SUBMITTED)
                    .extracting(WorkerTracingIT::traceOf)
                    .containsExactlyInAnyOrder(TRACE_A, TRACE_B);

            // and the answered job's trace shows its wait for the batch, the submission and the collection
            List<ReceivedSpan> a = collector.trace(TRACE_A);
            ReceivedSpan job = named(a, "worker job").getFirst();
            assertThat(job.parentSpanId()).isEqualTo(ROUTER_SPAN);
            ReceivedSpan submit = named(a, "batch submit").getFirst();
            assertThat(submit.parentSpanId()).isEqualTo(job.spanId());
            assertThat(submit.attribute("sluice.outcome")).isEqualTo("accepted");
            assertThat(submit.attribute("gen_ai.request.model")).isEqualTo("gpt-4.1-mini");
            ReceivedSpan collect = named(a, "batch collect").getFirst();
            assertThat(collect.parentSpanId()).isEqualTo(ROUTER_SPAN);
            assertThat(collect.attribute("sluice.batch.id")).isEqualTo(submit.attribute("sluice.batch.id"));
            assertThat(collect.attribute("sluice.status")).isEqualTo("SUCCEEDED");
            assertThat((Long) collect.attribute("gen_ai.usage.output_tokens")).isPositive();
            assertThat((Long) collect.attribute("sluice.cost_micros")).isPositive();

            // and the failed line's job went on, in its trace, through the synchronous path
            List<ReceivedSpan> b = collector.trace(TRACE_B);
            assertThat(named(b, "batch submit").getFirst().parentSpanId())
                    .isEqualTo(named(b, "worker job").stream()
                            .filter(s -> s.parentSpanId().equals(ROUTER_SPAN))
                            .findFirst()
                            .orElseThrow()
                            .spanId());
            // A rebalance during the collection (the sync loop joining the group) can leave an abandoned
            // first attempt in the trace too; the job goes on from the collection that re-drove it.
            List<ReceivedSpan> redrives = named(b, "batch collect").stream()
                    .filter(c -> "redrive".equals(c.attribute("sluice.decision")))
                    .toList();
            assertThat(redrives).isNotEmpty();
            ReceivedSpan sync = named(b, "worker job").stream()
                    .filter(s ->
                            redrives.stream().anyMatch(r -> s.parentSpanId().equals(r.spanId())))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no worker job under a re-drive in " + b));
            assertThat(named(b, "chat gpt-4.1-mini")).singleElement().satisfies(call -> {
                assertThat(call.parentSpanId()).isEqualTo(sync.spanId());
                assertThat(call.attribute("gen_ai.provider.name")).isEqualTo("openai");
                assertThat(call.attribute("sluice.outcome")).isEqualTo("ok");
            });
        }
    }

    private static JobState state(SluiceSerdes serdes, Topics topics, ConsumerRecord<String, byte[]> r) {
        return serdes.jobStatus()
                .deserializer()
                .deserialize(topics.jobEvents(), r.value())
                .state();
    }

    private static String traceOf(ConsumerRecord<String, byte[]> r) {
        return Tracing.traceId(Tracing.from(r.headers()));
    }

    private static List<ReceivedSpan> named(List<ReceivedSpan> trace, String name) {
        List<ReceivedSpan> out =
                trace.stream().filter(s -> s.name().equals(name)).toList();
        assertThat(out)
                .as(
                        "spans named '%s' among %s",
                        name, trace.stream().map(ReceivedSpan::name).toList())
                .isNotEmpty();
        return out;
    }
}
