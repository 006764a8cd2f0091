package dev.sluice.cli.dlq;

import dev.sluice.cli.DurationConverter;
import dev.sluice.model.DeadLetter;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.function.Predicate;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Which dead letters a command looks at: since when, from which service, stage or topic. */
public final class LetterFilter {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(
            names = "--since",
            paramLabel = "D",
            description =
                    "Only letters written in the last D (30m, 2h, 7d) or" + " since an instant (2026-11-22T12:00:00Z).")
    String since;

    @Option(
            names = "--service",
            paramLabel = "S",
            description = "Only letters of this service (as listed:"
                    + " sluice-router, worker-pool, sluice-sink, result-sink, ...).")
    String service;

    @Option(
            names = "--stage",
            paramLabel = "S",
            description = "Only letters of stages starting with S (deserialize," + " enrich, deliver, produce, ...).")
    String stage;

    @Option(names = "--source-topic", paramLabel = "T", description = "Only letters of records from topic T.")
    String sourceTopic;

    boolean any() {
        return since != null || service != null || stage != null || sourceTopic != null;
    }

    /** The moment --since names, or null without it. */
    Instant from(Instant now) {
        if (since == null) {
            return null;
        }
        try {
            return Instant.parse(since);
        } catch (DateTimeParseException notAnInstant) {
            try {
                return now.minus(new DurationConverter().convert(since));
            } catch (RuntimeException e) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--since '" + since
                                + "' is neither a duration (30m, 2h, 7d) nor an instant (2026-11-22T12:00:00Z)");
            }
        }
    }

    Predicate<DeadLetter> matches() {
        return d -> (service == null || service.equals(d.service()))
                && (stage == null || d.stage() != null && d.stage().startsWith(stage))
                && (sourceTopic == null || sourceTopic.equals(d.sourceTopic()));
    }
}
