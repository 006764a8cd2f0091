package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.BatchJob;
import dev.sluice.model.BatchState;
import dev.sluice.model.ProviderBatch;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.KafkaSettings;
import dev.sluice.runtime.kafka.TopicCreator;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.registry.RestSchemaRegistry;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

@SluiceKafka
class BatchesCommandIT {

    private static String sluice(KafkaStack kafka, String prefix, String... extra) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream o = System.out;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            String[] args = java.util.stream.Stream.concat(
                            java.util.stream.Stream.of(
                                    "--bootstrap-servers",
                                    kafka.bootstrapServers(),
                                    "--registry-url",
                                    kafka.registryUrl(),
                                    "--topics-prefix",
                                    prefix),
                            java.util.stream.Stream.of(extra))
                    .toArray(String[]::new);
            assertThat(new CommandLine(new BatchesCommand()).execute(args)).isZero();
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            System.setOut(o);
        }
    }

    private static List<BatchJob> jobs(String prefix, int n) {
        return IntStream.range(0, n)
                .mapToObj(i -> new BatchJob(prefix + i, "acme", 0, i))
                .toList();
    }

    @Test
    void shouldListBatchesInFlightWithTheirCountsAndFinishedOnesOnRequest(KafkaStack kafka) throws Exception {
        String prefix = kafka.newPrefix();
        Topics topics = new Topics(prefix);
        TopicCreator.ensure(KafkaSettings.read(new Settings(ConfigSource.of(kafka.serviceConfig(prefix)))));
        SluiceSerdes serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        Instant t = Instant.now().minusSeconds(90);
        ProviderBatch running = ProviderBatch.intent("sb-running", "openai", "gpt-4.1-mini", jobs("a", 25), t)
                .submitted("batch_abc", t)
                .withState(BatchState.IN_PROGRESS, "in_progress: 10 of 25 lines done", t);
        ProviderBatch unconfirmed =
                ProviderBatch.intent("sb-intent", "anthropic", "claude-haiku-4-5", jobs("b", 6), t.plusSeconds(1));
        ProviderBatch done = ProviderBatch.intent("sb-done", "openai", "gpt-4.1-mini", jobs("c", 4), t.minusSeconds(5))
                .submitted("batch_def", t)
                .withState(BatchState.COLLECTED, "completed", t)
                .counted(3, 0, 0, 1, t);
        try (var producer = kafka.producer()) {
            for (ProviderBatch b : List.of(running, unconfirmed, done)) {
                producer.send(new ProducerRecord<>(
                                topics.batches(),
                                b.batchId(),
                                serdes.batches().serializer().serialize(topics.batches(), b)))
                        .get();
            }
        }

        String inFlight = sluice(kafka, prefix);
        assertThat(inFlight)
                .contains("sb-running")
                .contains("batch_abc")
                .contains("IN_PROGRESS")
                .contains("10 of 25 lines done")
                .contains("sb-intent")
                .contains("(not confirmed)")
                .doesNotContain("sb-done")
                .contains("2 batches in flight (31 lines), 1 finished (--all lists them)");

        String everything = sluice(kafka, prefix, "--all");
        assertThat(everything)
                .contains("sb-done")
                .contains("COLLECTED")
                .contains("batch_def")
                .contains("2 batches in flight (31 lines), 1 finished\n");
    }
}
