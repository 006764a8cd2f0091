package dev.sluice.cli.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.cli.CliKafka;
import dev.sluice.cli.TopicReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The eval runs kept on llm.eval-runs: one JSON {@link EvalReport} per run, keyed by its suite. */
final class EvalRuns {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String bootstrap;
    private final String topic;

    EvalRuns(String bootstrap, String topic) {
        this.bootstrap = bootstrap;
        this.topic = topic;
    }

    /** Keeps the run; fails with the reason when the topic will not take it. */
    void append(EvalReport report) throws InterruptedException {
        byte[] value = report.json().toString().getBytes(StandardCharsets.UTF_8);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                CliKafka.client(
                        bootstrap,
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.COMPRESSION_TYPE_CONFIG,
                        "zstd",
                        ProducerConfig.MAX_BLOCK_MS_CONFIG,
                        15_000),
                new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, report.suite(), value)).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "could not keep the run on " + topic + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** The suite's runs, oldest first; none when the topic does not exist. */
    List<EvalReport> of(String suite) throws IOException {
        List<EvalReport> runs = new ArrayList<>();
        List<String> unreadable = new ArrayList<>();
        try (TopicReader reader = new TopicReader(bootstrap)) {
            List<TopicPartition> partitions = reader.partitions(topic);
            if (partitions.isEmpty()) {
                return runs;
            }
            reader.readAll(partitions, r -> {
                if (suite.equals(r.key()) && r.value() != null) {
                    try {
                        runs.add(EvalReport.fromJson(JSON.readTree(r.value())));
                    } catch (IOException | RuntimeException e) {
                        unreadable.add(r.partition() + "@" + r.offset() + ": " + e.getMessage());
                    }
                }
            });
        }
        unreadable.forEach(u -> System.err.println("sluice: skipped an unreadable run record at " + topic + " " + u));
        return runs;
    }
}
