package dev.sluice.cli.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.cli.CliRun;
import dev.sluice.cli.InProcessPipeline;
import dev.sluice.model.Feedback;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.Message;
import dev.sluice.model.TenantConfig;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice experiments report} on jobs that ran through the pipeline on a real broker, with
 * feedback on llm.feedback: the figures per variant are those of the tenant's own results, and
 * the verdict follows the feedback.
 */
@SluiceKafka
class ExperimentsCommandIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldReportEachVariantsJobsFeedbackAndCostAndSayWhichToKeep(KafkaStack kafka, @TempDir Path dir)
            throws Exception {
        try (InProcessPipeline p = InProcessPipeline.start(kafka, dir)) {
            List<TenantConfig.Experiment> experiments = List.of(new TenantConfig.Experiment(
                    "models",
                    List.of(
                            new TenantConfig.Variant("control", 1, null, null),
                            new TenantConfig.Variant("nano", 1, null, "gpt-4.1-nano"))));
            for (String tenant : List.of("acme", "globex")) {
                p.put(new TenantConfig(
                        tenant,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        experiments,
                        3600,
                        1,
                        Instant.now()));
            }
            for (int i = 0; i < 40; i++) {
                submit(p, "acme", "a-" + i);
            }
            for (int i = 0; i < 30; i++) {
                submit(p, "globex", "g-" + i);
            }
            List<ConsumerRecord<String, byte[]>> records =
                    kafka.readUntil(p.topics.results(), r -> r.size() >= 70, Duration.ofSeconds(90));
            Map<String, Integer> jobs = new HashMap<>();
            Map<String, Long> cost = new HashMap<>();
            for (ConsumerRecord<String, byte[]> r : records) {
                LlmResult result = p.serdes.results().deserializer().deserialize(p.topics.results(), r.value());
                String variant = result.metadata().get("sluice.experiment.models");
                if (result.tenantId().equals("acme")) {
                    jobs.merge(variant, 1, Integer::sum);
                    cost.merge(variant, result.costMicros(), Long::sum);
                }
                // Users like the default model's answers and not nano's; globex's users say the opposite.
                double score = variant.equals("control") == result.tenantId().equals("acme") ? 1.0 : 0.0;
                p.send(
                        p.topics.feedback(),
                        result.tenantId(),
                        p.serdes
                                .feedback()
                                .serializer()
                                .serialize(
                                        p.topics.feedback(),
                                        new Feedback(
                                                "f-" + result.requestId(),
                                                result.requestId(),
                                                result.tenantId(),
                                                score,
                                                null,
                                                Instant.now())));
            }
            // Neither a record that is no Feedback nor one keyed otherwise than by the tenant it names counts.
            p.send(p.topics.feedback(), "acme", new byte[] {0, 0, 0, 0, 1, 7});
            String someControlJob = records.stream()
                    .map(r -> p.serdes.results().deserializer().deserialize(p.topics.results(), r.value()))
                    .filter(r -> r.tenantId().equals("acme")
                            && "control".equals(r.metadata().get("sluice.experiment.models")))
                    .findFirst()
                    .orElseThrow()
                    .requestId();
            p.send(
                    p.topics.feedback(),
                    keyBeside(kafka, p.topics.feedback(), "acme"),
                    p.serdes
                            .feedback()
                            .serializer()
                            .serialize(
                                    p.topics.feedback(),
                                    new Feedback(
                                            "forged",
                                            someControlJob,
                                            "acme",
                                            0.0,
                                            null,
                                            Instant.now().plusSeconds(60))));
            assertThat(jobs.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(40);
            assertThat(jobs).containsOnlyKeys("control", "nano");

            CliRun run = CliRun.of(
                    kafka, p.prefix, new ExperimentsCommand(), "report", "models", "--tenant", "acme", "--json");
            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(run.err()).contains("skipped 1 record(s) that are not valid results or feedback");
            JsonNode report = JSON.readTree(run.out());
            assertThat(report.path("control").asText()).isEqualTo("control");
            for (JsonNode v : report.path("variants")) {
                String name = v.path("name").asText();
                assertThat(v.path("jobs").asInt()).as(name).isEqualTo(jobs.get(name));
                assertThat(v.path("succeeded").asInt()).as(name).isEqualTo(jobs.get(name));
                assertThat(v.path("withFeedback").asInt()).as(name).isEqualTo(jobs.get(name));
                assertThat(v.at("/feedback/value").asDouble()).as(name).isEqualTo(name.equals("control") ? 1.0 : 0.0);
                assertThat(v.at("/costPerJobMicros/value").asDouble())
                        .as(name)
                        .isCloseTo(
                                (double) cost.get(name) / jobs.get(name), org.assertj.core.api.Assertions.within(1e-6));
            }
            assertThat(report.at("/comparisons/0/variant").asText()).isEqualTo("nano");
            assertThat(report.at("/comparisons/0/feedbackChange/value").asDouble())
                    .isEqualTo(-1.0);
            assertThat(report.at("/comparisons/0/verdict").asText())
                    .isEqualTo("nano is worse than control on feedback: keep control.");

            CliRun text = CliRun.of(
                    kafka,
                    p.prefix,
                    new ExperimentsCommand(),
                    "report",
                    "models",
                    "--tenant",
                    "globex",
                    "--control",
                    "nano");
            assertThat(text.exit()).as(text.err()).isZero();
            assertThat(text.out())
                    .contains(
                            "Experiment models (control: nano)",
                            "control against nano",
                            "control is worse than nano on feedback: keep nano.");
            CliRun missing = CliRun.of(
                    kafka,
                    p.prefix,
                    new ExperimentsCommand(),
                    "report",
                    "models",
                    "--tenant",
                    "acme",
                    "--control",
                    "large");
            assertThat(missing.exit()).isEqualTo(1);
            assertThat(missing.err()).contains("no job of tenant acme in variant large", "control, nano");
            assertThat(CliRun.of(kafka, p.prefix, new ExperimentsCommand(), "report", "prompts", "--tenant", "acme")
                            .exit())
                    .as("an experiment with no jobs")
                    .isEqualTo(1);
        }
    }

    /** Another key that lands on the same partition as {@code key}: what the report reads for that tenant. */
    private static String keyBeside(KafkaStack kafka, String topic, String key) {
        int partitions;
        try (var consumer = kafka.committedReader()) {
            partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).size();
        }
        int own = dev.sluice.cli.JobsCommand.partitionOf(key, partitions);
        for (int i = 0; ; i++) {
            if (dev.sluice.cli.JobsCommand.partitionOf("other-" + i, partitions) == own) {
                return "other-" + i;
            }
        }
    }

    private static void submit(InProcessPipeline p, String tenant, String id) throws Exception {
        LlmRequest r = new LlmRequest(
                id,
                tenant,
                null,
                "user-" + id,
                null,
                null,
                null,
                null,
                List.of(Message.user("Summarise ticket " + id)),
                64,
                null,
                null,
                null,
                Map.of(),
                Instant.now());
        p.send(p.topics.requests(), tenant, p.serdes.requests().serializer().serialize(p.topics.requests(), r));
    }
}
