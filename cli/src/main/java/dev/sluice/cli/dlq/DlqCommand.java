package dev.sluice.cli.dlq;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.sluice.cli.KafkaTarget;
import dev.sluice.model.DeadLetterReplay;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sluice dlq list|show|replay}: the dead letters on llm.dead-letters, one in full, and
 * putting originals back on their source topics after a fix ({@link Replayer}).
 */
@Command(
        name = "dlq",
        mixinStandardHelpOptions = true,
        description = "Read dead letters and put their originals back on their topics after a fix.",
        subcommands = {DlqCommand.ListLetters.class, DlqCommand.Show.class, DlqCommand.Replay.class})
public final class DlqCommand implements Runnable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LETTER_ID = Pattern.compile("(\\d+)@(\\d+)");

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "List dead letters, newest last, one line each.")
    static final class ListLetters implements Callable<Integer> {
        @Mixin
        LetterFilter filter;

        @Option(
                names = "--limit",
                paramLabel = "N",
                defaultValue = "50",
                description = "At most the N newest letters (default ${DEFAULT-VALUE}).")
        int limit;

        @Option(names = "--json", description = "A JSON array instead of the table.")
        boolean json;

        @Mixin
        KafkaTarget target;

        @Override
        public Integer call() {
            DeadLetterTopic topic = DeadLetterTopic.checked(target);
            List<Letter> all = topic.read(filter.from(Instant.now()), filter.matches());
            List<Letter> shown = all.subList(Math.max(0, all.size() - Math.max(0, limit)), all.size());
            LetterView view =
                    new LetterView(topic.topics(), new Originals(topic.serdes().registry()));
            if (json) {
                ArrayNode out = JSON.createArrayNode();
                shown.forEach(l -> out.add(view.json(l)));
                System.out.println(out.toPrettyString());
                return 0;
            }
            System.out.print(view.table(shown));
            System.out.println(shown.size() + " dead letter" + (shown.size() == 1 ? "" : "s")
                    + (shown.size() < all.size() ? " shown, the newest of " + all.size() + " (--limit)" : "")
                    + (all.isEmpty() ? "" : "; `sluice dlq show ID` prints one in full"));
            return 0;
        }
    }

    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
            description = "Print one dead letter in full, with its original decoded when it is a Sluice record.")
    static final class Show implements Callable<Integer> {
        @Parameters(
                paramLabel = "OFFSET-or-ID",
                description = "PARTITION@OFFSET as listed, an offset alone when"
                        + " only one partition has it, or a requestId (or key) the letter's original carries.")
        String id;

        @Option(names = "--json", description = "JSON instead of text.")
        boolean json;

        @Mixin
        KafkaTarget target;

        @Override
        public Integer call() {
            DeadLetterTopic topic = DeadLetterTopic.checked(target);
            Originals originals = new Originals(topic.serdes().registry());
            List<Letter> found = find(topic, originals, id);
            if (found.size() != 1) {
                return notOne(id, found);
            }
            LetterView view = new LetterView(topic.topics(), originals);
            System.out.print(
                    json
                            ? view.fullJson(found.getFirst()).toPrettyString() + System.lineSeparator()
                            : view.full(found.getFirst()));
            return 0;
        }
    }

    @Command(
            name = "replay",
            mixinStandardHelpOptions = true,
            description = "After a fix, put dead letters' originals (key, value, headers) back on their source"
                    + " topics, once each.")
    static final class Replay implements Callable<Integer> {
        @Parameters(paramLabel = "ID", arity = "0..*", description = "Letters to replay (PARTITION@OFFSET, as listed).")
        List<String> ids = new ArrayList<>();

        @Mixin
        LetterFilter filter;

        @Option(names = "--all", description = "Every letter (that the filters keep).")
        boolean all;

        @Option(names = "--dry-run", description = "Say what would be replayed, and write nothing.")
        boolean dryRun;

        @Mixin
        KafkaTarget target;

        @Override
        public Integer call() throws Exception {
            if (ids.isEmpty() && !filter.any() && !all) {
                System.err.println("sluice: name the letters to replay (PARTITION@OFFSET), filter them (--since,"
                        + " --service, --stage, --source-topic), or give --all");
                return 2;
            }
            DeadLetterTopic topic = DeadLetterTopic.checked(target);
            List<Letter> chosen = new ArrayList<>();
            List<String> missing = new ArrayList<>();
            for (String id : ids) {
                Optional<Letter> l = letterAt(topic, id);
                if (l.isEmpty()) {
                    missing.add(id);
                } else if (filter.matches().test(l.get().letter())) {
                    chosen.add(l.get());
                }
            }
            if (ids.isEmpty()) {
                chosen.addAll(topic.read(filter.from(Instant.now()), filter.matches()));
            }
            missing.forEach(id -> System.out.println("skipped " + id + ": no dead letter there (PARTITION@OFFSET, as"
                    + " `sluice dlq list` shows; expired after 30 days)"));
            List<Replayer.Outcome> outcomes = dryRun
                    ? dryRun(topic, chosen)
                    : new Replayer(target.bootstrap(), topic)
                            .replay(replays -> withReplays(chosen, replays), System.getProperty("user.name"));
            int replayed = 0;
            for (Replayer.Outcome o : outcomes) {
                if (o.replayed()) {
                    replayed++;
                    System.out.println((dryRun ? "would replay " : "replayed ")
                            + o.letter().id() + " to "
                            + (dryRun ? o.topic() : o.topic() + "-" + o.partition() + "@" + o.offset()));
                } else {
                    System.out.println("skipped " + o.letter().id() + ": " + o.refusal());
                }
            }
            int skipped = outcomes.size() - replayed + missing.size();
            System.out.println((dryRun ? replayed + " would be replayed, " : replayed + " replayed, ") + skipped
                    + " skipped" + (outcomes.isEmpty() && missing.isEmpty() ? " (no dead letter matches)" : ""));
            return skipped == 0 && replayed > 0 ? 0 : 1;
        }

        private static List<Replayer.Outcome> dryRun(DeadLetterTopic topic, List<Letter> chosen) {
            Map<String, DeadLetterReplay> replays = topic.replays();
            return withReplays(chosen, replays).stream()
                    .map(l -> new Replayer.Outcome(
                            l,
                            l.letter().sourceTopic(),
                            -1,
                            -1,
                            l.unreplayable(topic.topics()).orElse(null)))
                    .toList();
        }

        private static List<Letter> withReplays(List<Letter> letters, Map<String, DeadLetterReplay> replays) {
            return letters.stream().map(l -> l.replayed(replays.get(l.id()))).toList();
        }
    }

    /** The letter at PARTITION@OFFSET; empty when the text is not one or no letter is there. */
    private static Optional<Letter> letterAt(DeadLetterTopic topic, String id) {
        Matcher m = LETTER_ID.matcher(id.strip());
        return m.matches() ? topic.at(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2))) : Optional.empty();
    }

    /** The letters {@code id} may mean: one at PARTITION@OFFSET, at an offset alone, or carrying a requestId or key. */
    static List<Letter> find(DeadLetterTopic topic, Originals originals, String id) {
        if (LETTER_ID.matcher(id.strip()).matches()) {
            return letterAt(topic, id).stream().toList();
        }
        if (id.strip().matches("\\d+")) {
            long offset = Long.parseLong(id.strip());
            List<Letter> at = new ArrayList<>();
            topic.partitions().forEach(p -> topic.at(p, offset).ifPresent(at::add));
            if (!at.isEmpty()) {
                return at;
            }
        }
        return topic.read(
                null,
                d -> id.equals(Originals.text(d.originalKey()))
                        || d.originalValue() != null && id.equals(originals.requestId(d.originalValue())));
    }

    private static int notOne(String id, List<Letter> found) {
        if (found.isEmpty()) {
            System.err.println("sluice: no dead letter " + id + " (give PARTITION@OFFSET as `sluice dlq list` shows,"
                    + " an offset, or a requestId)");
            return 1;
        }
        System.err.println("sluice: " + found.size() + " dead letters match " + id + ": "
                + String.join(", ", found.stream().map(Letter::id).toList()) + "; give one of them");
        return 1;
    }
}
