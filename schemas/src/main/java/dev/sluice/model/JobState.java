package dev.sluice.model;

/**
 * Where a job is in its life. States only move forward: the declaration order is the order of
 * progress, and the last five are terminal, so a late RUNNING never overwrites SUCCEEDED.
 */
public enum JobState {
    ACCEPTED,
    QUEUED,
    RUNNING,
    BATCH_SUBMITTED,
    SUCCEEDED,
    FAILED,
    REJECTED,
    EXPIRED,
    CANCELLED;

    public boolean isTerminal() {
        return ordinal() >= SUCCEEDED.ordinal();
    }

    /** True when a job in this state may move to {@code next}. */
    public boolean canMoveTo(JobState next) {
        return !isTerminal() && next.ordinal() > ordinal();
    }

    public static JobState of(ResultStatus status) {
        return valueOf(status.name());
    }
}
