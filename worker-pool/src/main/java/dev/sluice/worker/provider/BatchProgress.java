package dev.sluice.worker.provider;

/**
 * A provider batch as its provider reports it.
 *
 * @param status the provider's own status word ({@code in_progress}, {@code completed}, {@code ended}…)
 * @param ended true once no line will change any more (completed, failed, expired, cancelled)
 * @param failed true when the provider refused the batch as a whole (OpenAI's {@code failed}); {@code detail} says why
 * @param total lines in the batch, where the provider says
 * @param done lines finished so far (succeeded or not), where the provider says
 * @param outputRef where the successful lines are (OpenAI output file id, Anthropic results URL)
 * @param errorRef where the failed lines are (OpenAI error file id), or null
 */
public record BatchProgress(
        String id,
        String status,
        boolean ended,
        boolean failed,
        int total,
        int done,
        String outputRef,
        String errorRef,
        String detail) {}
