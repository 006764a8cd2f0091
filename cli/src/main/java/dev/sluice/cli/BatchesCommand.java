package dev.sluice.cli;

import dev.sluice.model.ProviderBatch;
import dev.sluice.schemas.serde.SerdeConfig;
import dev.sluice.schemas.serde.SluiceSerdes;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sluice batches}: the provider batches on llm.batches, those in flight first. */
@Command(
        name = "batches",
        mixinStandardHelpOptions = true,
        description = "List provider batches in flight (add --all for finished ones too), with their line counts.")
public final class BatchesCommand implements Callable<Integer> {
    @Option(names = "--all", description = "Also list batches that are finished (collected, failed, cancelled).")
    boolean all;

    @Mixin
    KafkaTarget target;

    @Override
    public Integer call() {
        String name = target.topics().batches();
        CompactedTopic topic = new CompactedTopic(target.bootstrap(), name);
        topic.check();
        SluiceSerdes serdes = new SluiceSerdes(SerdeConfig.registry(target.registryUrl(), null));
        List<ProviderBatch> batches = topic.readAll(serdes.batches().deserializer()::deserialize).values().stream()
                .sorted(Comparator.comparing(ProviderBatch::createdAt))
                .toList();
        System.out.print(table(batches, all, Instant.now()));
        return 0;
    }

    /** The listing: a row per batch shown, then how many are in flight and finished. */
    static String table(List<ProviderBatch> batches, boolean all, Instant now) {
        StringBuilder out = new StringBuilder();
        String format = "%-40s %-10s %-18s %-34s %-12s %6s %6s %6s %7s %8s %8s  %s%n";
        out.append(String.format(
                Locale.ROOT,
                format,
                "BATCH",
                "PROVIDER",
                "MODEL",
                "PROVIDER BATCH",
                "STATE",
                "LINES",
                "OK",
                "FAILED",
                "EXPIRED",
                "REDRIVEN",
                "AGE",
                "DETAIL"));
        long open = 0;
        long openLines = 0;
        for (ProviderBatch b : batches) {
            if (!b.finished()) {
                open++;
                openLines += b.jobs().size();
            }
            if (all || !b.finished()) {
                out.append(String.format(
                        Locale.ROOT,
                        format,
                        b.batchId(),
                        b.provider(),
                        b.model(),
                        b.providerBatchId() == null ? "(not confirmed)" : b.providerBatchId(),
                        b.state(),
                        b.jobs().size(),
                        b.succeeded(),
                        b.failed(),
                        b.expired(),
                        b.redriven(),
                        age(Duration.between(b.createdAt(), now)),
                        b.detail() == null ? "" : b.detail()));
            }
        }
        out.append(String.format(
                Locale.ROOT,
                "%d batch%s in flight (%d lines), %d finished%s%n",
                open,
                open == 1 ? "" : "es",
                openLines,
                batches.size() - open,
                all || batches.size() == open ? "" : " (--all lists them)"));
        return out.toString();
    }

    private static String age(Duration d) {
        if (d.toHours() > 0) {
            return d.toHours() + "h" + d.toMinutesPart() + "m";
        }
        return d.toMinutes() > 0 ? d.toMinutes() + "m" + d.toSecondsPart() + "s" : d.toSeconds() + "s";
    }
}
