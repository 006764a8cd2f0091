package dev.sluice.cli.experiments;

import dev.sluice.cli.DurationConverter;
import dev.sluice.cli.JobsCommand;
import dev.sluice.cli.KafkaTarget;
import dev.sluice.cli.TopicReader;
import dev.sluice.model.Feedback;
import dev.sluice.model.LlmResult;
import dev.sluice.model.TenantConfig;
import dev.sluice.schemas.serde.SerdeConfig;
import dev.sluice.schemas.serde.SluiceSerdes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sluice experiments report NAME}: an A/B experiment's outcome per variant, from results and feedback. */
@Command(
        name = "experiments",
        mixinStandardHelpOptions = true,
        description = "Look at A/B experiments.",
        subcommands = {ExperimentsCommand.Report.class})
public final class ExperimentsCommand implements Runnable {

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(
            name = "report",
            mixinStandardHelpOptions = true,
            description = {
                "Per variant of the experiment: jobs, success rate, users' feedback, latency, cost per job"
                        + " and per successful job, with 95% intervals; against the control, the differences and a plain"
                        + " verdict. Reads the tenant's results (llm.results, kept 7 days) and feedback (llm.feedback)."
            })
    static final class Report implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "The experiment's name, as in the tenant's configuration.")
        String name;

        @Option(names = "--tenant", required = true, paramLabel = "T", description = "The tenant running it.")
        String tenant;

        @Option(
                names = "--since",
                defaultValue = "7d",
                converter = DurationConverter.class,
                description = "How far" + " back to read results (default ${DEFAULT-VALUE}; results are kept 7 days).")
        Duration since;

        @Option(
                names = "--control",
                paramLabel = "VARIANT",
                description = "The variant the others are compared"
                        + " with (default: the one named control, else the first by name).")
        String control;

        @Option(names = "--json", description = "JSON instead of text.")
        boolean json;

        @Mixin
        KafkaTarget target;

        @Override
        public Integer call() {
            SluiceSerdes serdes = new SluiceSerdes(SerdeConfig.registry(target.registryUrl(), null));
            Instant from = Instant.now().minus(since);
            String key = TenantConfig.experimentKey(name);
            List<LlmResult> results = new ArrayList<>();
            List<Feedback> feedback = new ArrayList<>();
            int[] unreadable = {0};
            try (TopicReader reader = new TopicReader(target.bootstrap())) {
                String resultsTopic = target.topics().results();
                read(reader, resultsTopic, from, unreadable, r -> {
                    LlmResult result = serdes.results().deserializer().deserialize(resultsTopic, r.value());
                    if (result.tenantId().equals(tenant) && result.metadata().containsKey(key)) {
                        results.add(result);
                    }
                });
                // Feedback counts only keyed by its own tenant, as ingest-service writes it: a record
                // naming the tenant under another key was not written for it.
                String feedbackTopic = target.topics().feedback();
                read(reader, feedbackTopic, from, unreadable, r -> {
                    Feedback f = serdes.feedback().deserializer().deserialize(feedbackTopic, r.value());
                    if (f.tenantId().equals(tenant) && tenant.equals(r.key())) {
                        feedback.add(f);
                    }
                });
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                System.err.println("sluice: cannot reach Kafka at " + target.bootstrap() + " (" + e.getMessage()
                        + "): is Sluice running there (./sluice up)?");
                return 2;
            }
            if (unreadable[0] > 0) {
                System.err.println("sluice: skipped " + unreadable[0] + " record(s) that are not valid results or"
                        + " feedback (a score outside 0..1, say)");
            }
            ExperimentReport report = ExperimentReport.of(name, results, feedback, control);
            if (control != null
                    && report.variants().stream().noneMatch(v -> v.name().equals(control))) {
                System.err.println("sluice: no job of tenant " + tenant + " in variant " + control + " of " + name
                        + " since " + from + "; its variants there: "
                        + String.join(
                                ", ",
                                report.variants().stream()
                                        .map(ExperimentReport.Variant::name)
                                        .toList()));
                return 1;
            }
            System.out.print(json ? report.json().toPrettyString() + System.lineSeparator() : report.text());
            return report.variants().isEmpty() ? 1 : 0;
        }

        /**
         * The tenant's partition of a tenant-keyed topic, from {@code from} to its end; nothing if it is
         * missing. A record {@code each} cannot read is counted in {@code unreadable} and skipped.
         */
        private void read(
                TopicReader reader,
                String topic,
                Instant from,
                int[] unreadable,
                Consumer<ConsumerRecord<String, byte[]>> each) {
            List<TopicPartition> all = reader.partitions(topic);
            if (all.isEmpty()) {
                return;
            }
            TopicPartition own = new TopicPartition(topic, JobsCommand.partitionOf(tenant, all.size()));
            reader.consumer().assign(List.of(own));
            Map<TopicPartition, Long> at = new HashMap<>();
            at.put(own, from.toEpochMilli());
            OffsetAndTimestamp offset = reader.consumer().offsetsForTimes(at).get(own);
            if (offset == null) {
                return;
            }
            reader.consumer().seek(own, offset.offset());
            reader.readToEnd(List.of(own), r -> {
                if (r.value() != null) {
                    try {
                        each.accept(r);
                    } catch (RuntimeException e) {
                        unreadable[0]++;
                    }
                }
            });
        }
    }
}
