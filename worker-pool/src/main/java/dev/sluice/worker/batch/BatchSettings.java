package dev.sluice.worker.batch;

import java.time.Duration;

/**
 * How the batch path groups and follows batches; see the module README for each key.
 *
 * @param maxLines most jobs in one batch (also capped by each provider's own limit)
 * @param maxBytes most bytes of lines in one batch (also capped by each provider's own limit)
 * @param maxAge how long the first job of a group waits for more before the group is submitted
 * @param pollInterval the first wait before asking a provider about a batch; it grows by half each time
 * @param maxPollInterval the longest wait between two questions about one batch
 * @param submitGrace how long an intent may stay unconfirmed before another instance looks for it
 *     at the provider (and submits it when it is not there)
 * @param maxPending most batch jobs waiting in groups on one instance
 * @param forgetAfter how long a finished batch stays on llm.batches before its owner removes it
 *     (a tombstone); by then none of its jobs can be redelivered (llm.jobs.batch keeps 7 days)
 */
public record BatchSettings(
        int maxLines,
        long maxBytes,
        Duration maxAge,
        Duration pollInterval,
        Duration maxPollInterval,
        Duration submitGrace,
        int maxPending,
        Duration forgetAfter) {
    public static final BatchSettings DEFAULTS = new BatchSettings(
            5_000,
            64L << 20,
            Duration.ofSeconds(60),
            Duration.ofSeconds(30),
            Duration.ofMinutes(5),
            Duration.ofMinutes(2),
            20_000,
            Duration.ofDays(7));
}
