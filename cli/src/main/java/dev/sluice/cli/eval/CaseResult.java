package dev.sluice.cli.eval;

/**
 * One case answered by one model, graded.
 *
 * @param model the model asked for ({@code auto}: Sluice's AUTO routing chose)
 * @param answeredBy the model that answered (another one when the first failed over), or null
 * @param status the result's status, or {@code NO_RESULT} when none came in time
 * @param latencyMs from submission to the result's completion
 * @param costMicros what the answer cost; the judge's call is in {@code judgeCostMicros}
 * @param cached the answer came from Sluice's cache
 * @param judgeError a judge graded it and its reply was no verdict (the case fails)
 */
public record CaseResult(
        String caseId,
        String category,
        String model,
        String answeredBy,
        String status,
        boolean pass,
        String detail,
        long latencyMs,
        long inputTokens,
        long outputTokens,
        long costMicros,
        long judgeCostMicros,
        boolean cached,
        boolean judgeError) {
    static final String NO_RESULT = "NO_RESULT";
}
