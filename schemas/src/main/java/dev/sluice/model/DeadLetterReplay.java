package dev.sluice.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A dead letter put back on its source topic ({@code sluice dlq replay}): which letter, where the
 * record went, when and by whom. Kept on llm.dead-letters.replays, keyed by {@link #letterId}.
 */
public record DeadLetterReplay(
        String deadLetterTopic,
        int deadLetterPartition,
        long deadLetterOffset,
        String topic,
        int partition,
        long offset,
        Instant replayedAt,
        String replayedBy) {

    public DeadLetterReplay {
        Objects.requireNonNull(deadLetterTopic, "deadLetterTopic");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(replayedAt, "replayedAt");
    }

    /** How operators name a dead letter: its partition and offset on the dead-letter topic, {@code 2@117}. */
    public static String letterId(int partition, long offset) {
        return partition + "@" + offset;
    }

    public String letterId() {
        return letterId(deadLetterPartition, deadLetterOffset);
    }
}
