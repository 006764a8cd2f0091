package dev.sluice.cli.dlq;

import dev.sluice.model.DeadLetter;
import dev.sluice.model.DeadLetterReplay;
import dev.sluice.runtime.kafka.Topics;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * A dead letter where it is on the dead-letter topic, and its replay if it had one.
 *
 * @param replay the record of its replay, or null while it has none
 */
record Letter(int partition, long offset, DeadLetter letter, DeadLetterReplay replay) {

    String id() {
        return DeadLetterReplay.letterId(partition, offset);
    }

    Letter replayed(DeadLetterReplay r) {
        return new Letter(partition, offset, letter, r);
    }

    /**
     * Why this letter cannot be put back on its source topic, or empty when it can. A letter is
     * put back as it was kept, so one with anything cut is refused, and so is one from a topic
     * that result-sink alone writes, where Sluice's one-result promise rests on that single writer.
     */
    Optional<String> unreplayable(Topics topics) {
        if (replay != null) {
            return Optional.of("already replayed at " + replay.replayedAt() + " to " + replay.topic() + "-"
                    + replay.partition() + "@" + replay.offset()
                    + (replay.replayedBy() == null ? "" : " by " + replay.replayedBy()));
        }
        if (letter.originalValue() == null) {
            return Optional.of("a tombstone (a record without a value) is not a record to put back");
        }
        if (!valueWhole()) {
            return Optional.of(String.format(
                    Locale.ROOT,
                    "truncated: only the first %,d of its %,d bytes were kept," + " so the original cannot be put back",
                    letter.originalValue().length,
                    letter.originalValueSize()));
        }
        if (letter.truncated()) {
            return Optional.of("truncated: its key, headers or error message was cut to make the letter fit, so it"
                    + " may not be the original record");
        }
        if (letter.sourceTopic() == null || letter.sourceTopic().isEmpty()) {
            return Optional.of("it names no source topic");
        }
        if (Set.of(topics.results(), topics.jobStatus(), topics.spend()).contains(letter.sourceTopic())) {
            return Optional.of(letter.sourceTopic() + " is written by result-sink alone (one result, one status per"
                    + " job); nothing is put back there");
        }
        return Optional.empty();
    }

    /** Whether the kept value is the whole original: its size and SHA-256 match the letter's record of it. */
    boolean valueWhole() {
        byte[] v = letter.originalValue();
        if (v == null) {
            return false;
        }
        if (letter.originalValueSize() >= 0 && letter.originalValueSize() != v.length) {
            return false;
        }
        return letter.originalValueSha256() == null
                || letter.originalValueSha256().equals(sha256(v));
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
