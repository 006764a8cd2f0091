package dev.sluice.cli;

import dev.sluice.model.JobStatus;
import dev.sluice.model.LlmResult;
import dev.sluice.runtime.Tracing;
import dev.sluice.schemas.serde.SerdeConfig;
import dev.sluice.schemas.serde.SluiceSerdes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sluice jobs show ID}: one job's status, result, timings, attempts, cost and trace id. */
@Command(
        name = "jobs",
        mixinStandardHelpOptions = true,
        description = "Look at jobs.",
        subcommands = {JobsCommand.Show.class})
public final class JobsCommand implements Runnable {

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
            description = "A job's status (llm.job-status), its result (llm.results) with timings, attempts and cost,"
                    + " and its trace id.")
    static final class Show implements Callable<Integer> {
        @Parameters(paramLabel = "ID", description = "The job's requestId.")
        String id;

        @Option(
                names = "--tenant",
                paramLabel = "T",
                description = "The job's tenant: finds its result when its"
                        + " status is gone (statuses are kept 2 days after a job ends, results 7 days); without it and a"
                        + " status, every partition of llm.results is read.")
        String tenant;

        @Option(names = "--json", description = "JSON instead of text.")
        boolean json;

        @Mixin
        KafkaTarget target;

        @Override
        public Integer call() {
            new CompactedTopic(target.bootstrap(), target.topics().jobStatus()).check();
            SluiceSerdes serdes = new SluiceSerdes(SerdeConfig.registry(target.registryUrl(), null));
            JobReport.Found status;
            JobReport.Found result;
            try (TopicReader reader = new TopicReader(target.bootstrap())) {
                status = status(reader, serdes);
                String tenantId =
                        tenant != null ? tenant : status == null ? null : ((JobStatus) status.value()).tenantId();
                result = result(reader, serdes, tenantId, status);
            }
            if (status == null && result == null) {
                System.err.println(
                        "sluice: no job " + id + " on " + target.topics().jobStatus() + " or "
                                + target.topics().results() + (tenant == null ? "" : " of tenant " + tenant)
                                + " (statuses are kept 2 days after a job ends, results 7 days)");
                return 1;
            }
            JobReport report = new JobReport(id, status, result);
            System.out.print(json ? report.json().toPrettyString() + System.lineSeparator() : report.text());
            return 0;
        }

        /** The job's latest status: its key's partition of the compacted topic, where the sink wrote it. */
        private JobReport.Found status(TopicReader reader, SluiceSerdes serdes) {
            String topic = target.topics().jobStatus();
            List<TopicPartition> all = reader.partitions(topic);
            TopicPartition own = new TopicPartition(topic, partitionOf(id, all.size()));
            List<ConsumerRecord<String, byte[]>> mine = new ArrayList<>();
            reader.readAll(List.of(own), r -> {
                if (id.equals(r.key())) {
                    mine.add(r);
                }
            });
            if (mine.isEmpty() || mine.getLast().value() == null) {
                return null;
            }
            ConsumerRecord<String, byte[]> last = mine.getLast();
            return new JobReport.Found(
                    serdes.jobStatus().deserializer().deserialize(topic, last.value()), Tracing.from(last.headers()));
        }

        /**
         * The job's one result: on its tenant's partition of llm.results (every partition without a
         * tenant), from a little before its final status was written when there is one.
         */
        private JobReport.Found result(
                TopicReader reader, SluiceSerdes serdes, String tenantId, JobReport.Found status) {
            String topic = target.topics().results();
            List<TopicPartition> all = reader.partitions(topic);
            List<TopicPartition> partitions =
                    tenantId == null ? all : List.of(new TopicPartition(topic, partitionOf(tenantId, all.size())));
            reader.consumer().assign(partitions);
            reader.consumer().seekToBeginning(partitions);
            if (status != null) {
                long from = ((JobStatus) status.value())
                        .updatedAt()
                        .minus(Duration.ofHours(1))
                        .toEpochMilli();
                Map<TopicPartition, Long> at = new HashMap<>();
                partitions.forEach(p -> at.put(p, from));
                reader.consumer().offsetsForTimes(at).forEach((p, o) -> seek(reader, p, o));
            }
            List<JobReport.Found> found = new ArrayList<>();
            reader.readToEnd(partitions, r -> {
                if (found.isEmpty() && r.value() != null) {
                    LlmResult res = serdes.results().deserializer().deserialize(topic, r.value());
                    if (res.requestId().equals(id)
                            && (tenantId == null || res.tenantId().equals(tenantId))) {
                        found.add(new JobReport.Found(res, Tracing.from(r.headers())));
                    }
                }
            });
            return found.isEmpty() ? null : found.getFirst();
        }

        private static void seek(TopicReader reader, TopicPartition p, OffsetAndTimestamp at) {
            if (at == null) {
                reader.consumer().seekToEnd(List.of(p));
            } else {
                reader.consumer().seek(p, at.offset());
            }
        }
    }

    /** The partition Kafka's default partitioner gives a key: where the services' producers put it. */
    public static int partitionOf(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }
}
