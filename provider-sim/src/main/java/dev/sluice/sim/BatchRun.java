package dev.sluice.sim;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The clock-driven life of one batch, shared by both protocols. Nothing runs in the background:
 * every answer is computed from the simulator's clock when someone looks, so a test that moves
 * its clock sees each state at once and a restart simply forgets.
 *
 * <p>Lines finish evenly spread between {@link #firstLineAt()} and {@link #lastLineAt()}; the
 * batch ends at {@link #endsAt()}, or a cancel grace after a cancel. Every answer is computed at
 * creation, so a cancel cuts a finished prefix off a fixed plan.
 */
final class BatchRun {

    static final String FAIL_MARKER = "[sim:batch-fail]";
    static final String EXPIRE_MARKER = "[sim:batch-expire]";

    enum Outcome {
        SUCCEEDED("succeeded"),
        ERRORED("errored"),
        EXPIRED("expired"),
        CANCELED("canceled");

        final String wireName;

        Outcome(String wireName) {
            this.wireName = wireName;
        }
    }

    /**
     * How a protocol spends the processing time: OpenAI validates before the first line and
     * finalizes after the last one; Anthropic works from the first to the last moment.
     *
     * @param lead share of the processing time before the first line can finish
     * @param tail share after the last line finishes
     */
    record Shape(double lead, double tail) {
        static final Shape OPENAI = new Shape(0.1, 0.1);
        static final Shape ANTHROPIC = new Shape(0, 0);
    }

    /**
     * One request's planned answer. {@code planned} is what it becomes if the batch is neither
     * cancelled first nor (for {@link Outcome#EXPIRED}) still running.
     *
     * @param status HTTP status of the answer (OpenAI lines report it)
     * @param answer the success body, or the error body for an errored line
     */
    record Line(
            String lineId,
            String customId,
            String requestId,
            Outcome planned,
            int status,
            JsonNode answer,
            int inputTokens,
            int outputTokens,
            int cacheReadTokens,
            int cacheWrittenTokens) {

        /** A line that read and wrote nothing in the prompt cache. */
        Line(
                String lineId,
                String customId,
                String requestId,
                Outcome planned,
                int status,
                JsonNode answer,
                int inputTokens,
                int outputTokens) {
            this(lineId, customId, requestId, planned, status, answer, inputTokens, outputTokens, 0, 0);
        }
    }

    private final long createdAt;
    private final long processingMs;
    private final Shape shape;
    private final List<Line> lines;
    private final boolean expiring;
    private Long cancelAt;
    private boolean settled;

    BatchRun(long createdAt, long processingMs, Shape shape, List<Line> lines) {
        this.createdAt = createdAt;
        this.processingMs = processingMs;
        this.shape = shape;
        this.lines = List.copyOf(lines);
        this.expiring = lines.stream().anyMatch(l -> l.planned() == Outcome.EXPIRED);
    }

    /**
     * What a line that passed validation becomes: a marker in the last user message wins, else one
     * uniform draw from the seed and the custom_id, so the same batch sent twice ends the same way.
     */
    static Outcome draw(SimConfig config, String customId, String lastUserText) {
        if (lastUserText != null && lastUserText.contains(FAIL_MARKER)) {
            return Outcome.ERRORED;
        }
        if (lastUserText != null && lastUserText.contains(EXPIRE_MARKER)) {
            return Outcome.EXPIRED;
        }
        long bits = TextGenerator.seed(List.of("batch-line", Long.toString(config.seed()), customId));
        double u = (bits >>> 11) * 0x1.0p-53;
        if (u < config.batchLineFailureRate()) {
            return Outcome.ERRORED;
        }
        return u < config.batchLineFailureRate() + config.batchLineExpiryRate() ? Outcome.EXPIRED : Outcome.SUCCEEDED;
    }

    List<Line> lines() {
        return lines;
    }

    long createdAt() {
        return createdAt;
    }

    long firstLineAt() {
        return createdAt + (long) (processingMs * shape.lead());
    }

    long lastLineAt() {
        return createdAt + processingMs - (long) (processingMs * shape.tail());
    }

    long endsAt() {
        return createdAt + processingMs;
    }

    /** Cancelling takes a tenth of the processing time, as OpenAI's takes up to minutes of its hours. */
    long cancelGrace() {
        return processingMs / 10;
    }

    /** True when some line will expire, so the batch runs to {@link #endsAt()} and ends expired. */
    boolean expiring() {
        return expiring;
    }

    synchronized Long cancelAt() {
        return cancelAt;
    }

    synchronized long endedAt() {
        return cancelAt != null ? cancelAt + cancelGrace() : endsAt();
    }

    synchronized boolean ended(long now) {
        return now >= endedAt();
    }

    /** False when the batch had ended or was already being cancelled. */
    synchronized boolean cancel(long now) {
        if (cancelAt != null || ended(now)) {
            return false;
        }
        cancelAt = now;
        return true;
    }

    /** True exactly once, for the first caller after the batch ended: the one that records its results. */
    synchronized boolean settle(long now) {
        if (settled || !ended(now)) {
            return false;
        }
        settled = true;
        return true;
    }

    long doneAt(int index) {
        long first = firstLineAt();
        return first + (lastLineAt() - first) * (index + 1) / lines.size();
    }

    /** The line's outcome as seen at {@code now}, or null while it is still processing. */
    synchronized Outcome outcome(int index, long now) {
        Line line = lines.get(index);
        boolean ended = ended(now);
        if (line.planned() == Outcome.EXPIRED) {
            return !ended ? null : cancelAt != null ? Outcome.CANCELED : Outcome.EXPIRED;
        }
        long cutoff = cancelAt == null ? now : Math.min(now, cancelAt);
        if (doneAt(index) <= cutoff) {
            return line.planned();
        }
        return ended ? Outcome.CANCELED : null;
    }

    /** Lines per outcome at {@code now}; lines still processing are not in it. */
    synchronized Map<Outcome, Integer> counts(long now) {
        Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);
        for (Outcome outcome : Outcome.values()) {
            counts.put(outcome, 0);
        }
        for (int i = 0; i < lines.size(); i++) {
            Outcome outcome = outcome(i, now);
            if (outcome != null) {
                counts.merge(outcome, 1, Integer::sum);
            }
        }
        return counts;
    }

    /** Input and output tokens of the lines that succeeded by {@code now}. */
    /** Input, output and cache-read tokens of the lines answered so far. */
    synchronized long[] usage(long now) {
        long[] usage = new long[3];
        for (int i = 0; i < lines.size(); i++) {
            if (outcome(i, now) == Outcome.SUCCEEDED) {
                usage[0] += lines.get(i).inputTokens();
                usage[1] += lines.get(i).outputTokens();
                usage[2] += lines.get(i).cacheReadTokens();
            }
        }
        return usage;
    }

    /** Counts each line's final outcome and the tokens served; call once, after {@link #settle}. */
    void record(StatsRecorder stats, long now) {
        for (int i = 0; i < lines.size(); i++) {
            Outcome outcome = outcome(i, now);
            stats.batchLine(outcome.wireName);
            if (outcome == Outcome.SUCCEEDED) {
                Line line = lines.get(i);
                stats.tokens(
                        line.inputTokens(), line.outputTokens(), line.cacheReadTokens(), line.cacheWrittenTokens());
            }
        }
    }
}
