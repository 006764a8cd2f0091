package dev.sluice.cli.dlq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.model.DeadLetter;
import dev.sluice.model.DeadLetterReplay;
import dev.sluice.runtime.kafka.Topics;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** How {@code sluice dlq} prints letters: a line each, one in full, or JSON. */
final class LetterView {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LINE = "%-9s %-20s %-14s %-16s %-34s %-16s %13s %-20s %s%n";

    private final Topics topics;
    private final Originals originals;

    LetterView(Topics topics, Originals originals) {
        this.topics = topics;
        this.originals = originals;
    }

    String table(List<Letter> letters) {
        StringBuilder out = new StringBuilder(String.format(
                Locale.ROOT, LINE, "ID", "TIME", "SERVICE", "STAGE", "SOURCE", "KEY", "SIZE", "REPLAYED", "ERROR"));
        for (Letter l : letters) {
            DeadLetter d = l.letter();
            out.append(String.format(
                    Locale.ROOT,
                    LINE,
                    l.id(),
                    d.occurredAt().truncatedTo(ChronoUnit.SECONDS),
                    clip(d.service(), 14),
                    clip(d.stage(), 16),
                    clip(source(d), 34),
                    clip(d.originalKey() == null ? "-" : Originals.text(d.originalKey()), 16),
                    size(d),
                    l.replay() == null ? "-" : l.replay().replayedAt().truncatedTo(ChronoUnit.SECONDS),
                    clip(error(d), 100)));
        }
        return out.toString();
    }

    String full(Letter l) {
        DeadLetter d = l.letter();
        StringBuilder out = new StringBuilder();
        out.append("dead letter ")
                .append(l.id())
                .append(" on ")
                .append(topics.deadLetters())
                .append('\n');
        field(out, "occurred", d.occurredAt().toString());
        field(out, "service", d.service());
        field(out, "stage", d.stage());
        field(out, "error", d.errorClass());
        field(out, "message", d.errorMessage());
        field(out, "source", source(d));
        field(out, "key", d.originalKey() == null ? "(none)" : Originals.text(d.originalKey()));
        if (d.originalHeaders().isEmpty()) {
            field(out, "headers", "(none)");
        }
        for (DeadLetter.Header h : d.originalHeaders()) {
            field(out, "header", h.key() + " = " + (h.value() == null ? "(null)" : Originals.text(h.value())));
        }
        field(out, "value", valueSummary(l));
        field(out, "replayed", l.replay() == null ? "no" : replay(l.replay()));
        Optional<String> why = l.unreplayable(topics);
        field(out, "replayable", why.map(w -> "no: " + w).orElse("yes (sluice dlq replay " + l.id() + ")"));
        byte[] value = d.originalValue();
        Originals.Decoded decoded = value == null || !l.valueWhole() ? null : originals.decode(value);
        if (decoded != null) {
            out.append("original, a ")
                    .append(decoded.type())
                    .append(" (schema ")
                    .append(decoded.schemaId())
                    .append("):\n  ")
                    .append(decoded.json())
                    .append('\n');
        } else if (value != null) {
            out.append(
                            l.valueWhole()
                                    ? "original, not a record the registry knows:\n  "
                                    : "original, its first " + String.format(Locale.ROOT, "%,d", value.length)
                                            + " bytes only:\n  ")
                    .append(Originals.hex(value))
                    .append('\n');
        }
        return out.toString();
    }

    ObjectNode json(Letter l) {
        DeadLetter d = l.letter();
        ObjectNode n = JSON.createObjectNode();
        n.put("id", l.id())
                .put("partition", l.partition())
                .put("offset", l.offset())
                .put("occurredAt", d.occurredAt().toString())
                .put("service", d.service())
                .put("stage", d.stage())
                .put("sourceTopic", d.sourceTopic())
                .put("sourcePartition", d.sourcePartition())
                .put("sourceOffset", d.sourceOffset())
                .put("key", d.originalKey() == null ? null : Originals.text(d.originalKey()))
                .put("valueSize", d.originalValueSize())
                .put("valueSha256", d.originalValueSha256())
                .put("truncated", d.truncated())
                .put("errorClass", d.errorClass())
                .put("errorMessage", d.errorMessage());
        if (l.replay() == null) {
            n.putNull("replayed");
        } else {
            DeadLetterReplay r = l.replay();
            n.putObject("replayed")
                    .put("topic", r.topic())
                    .put("partition", r.partition())
                    .put("offset", r.offset())
                    .put("at", r.replayedAt().toString())
                    .put("by", r.replayedBy());
        }
        Optional<String> why = l.unreplayable(topics);
        n.put("replayable", why.isEmpty());
        n.put("notReplayableBecause", why.orElse(null));
        return n;
    }

    /** The letter as JSON with its original decoded (or as hex when it is not a record). */
    ObjectNode fullJson(Letter l) {
        ObjectNode n = json(l);
        byte[] value = l.letter().originalValue();
        Originals.Decoded decoded = value == null || !l.valueWhole() ? null : originals.decode(value);
        if (decoded != null) {
            n.put("originalType", decoded.type());
            n.set("original", parsed(decoded.json()));
        } else {
            n.put("originalHex", value == null ? null : Originals.hex(value));
        }
        return n;
    }

    private static JsonNode parsed(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            return JSON.getNodeFactory().textNode(json);
        }
    }

    static String replay(DeadLetterReplay r) {
        return "at " + r.replayedAt() + (r.replayedBy() == null ? "" : " by " + r.replayedBy()) + ", to " + r.topic()
                + "-" + r.partition() + "@" + r.offset();
    }

    private static String valueSummary(Letter l) {
        DeadLetter d = l.letter();
        if (d.originalValue() == null) {
            return "(none: a tombstone)";
        }
        String whole =
                String.format(Locale.ROOT, "%,d bytes, sha256 %s", d.originalValueSize(), d.originalValueSha256());
        return l.valueWhole()
                ? whole + ", kept whole"
                : whole + String.format(Locale.ROOT, ", only the first %,d kept", d.originalValue().length);
    }

    private static String source(DeadLetter d) {
        return d.sourceTopic() + "-" + d.sourcePartition() + "@" + d.sourceOffset();
    }

    private static String size(DeadLetter d) {
        return String.format(Locale.ROOT, "%,d", Math.max(0, d.originalValueSize())) + (d.truncated() ? " cut" : "");
    }

    private static String error(DeadLetter d) {
        String cls = d.errorClass() == null
                ? ""
                : d.errorClass().substring(d.errorClass().lastIndexOf('.') + 1);
        String message = d.errorMessage() == null
                ? ""
                : d.errorMessage().lines().findFirst().orElse("");
        return cls + (message.isEmpty() ? "" : ": " + message);
    }

    private static String clip(String s, int width) {
        if (s == null) {
            return "-";
        }
        return s.length() <= width ? s : s.substring(0, width - 1) + "…";
    }

    private static void field(StringBuilder out, String name, String value) {
        out.append(String.format(Locale.ROOT, "  %-11s %s%n", name, value));
    }
}
