package dev.sluice.runtime.catalogue;

import dev.sluice.model.CostBasis;
import dev.sluice.model.Usage;

/**
 * Turns token usage into integer micro-dollars. Each token class is priced at its own rate, the
 * products are summed exactly, and the sum is divided by a million once, rounding half up, so
 * the cost of a call is never off by more than half a micro-dollar.
 *
 * <p>Batch calls use the catalogue's batch input and output prices; prompt-cache reads and
 * writes inside a batch are charged at half their sync rates, as both providers stack the
 * discounts.
 */
public final class Pricing {
    private static final long PER_MILLION = 1_000_000L;

    private Pricing() {
    }

    public static long costMicros(ModelSpec model, Usage usage, CostBasis basis) {
        boolean batch = basis == CostBasis.BATCH;
        long inputRate = batch ? model.batchInputMicrosPerMTok() : model.inputMicrosPerMTok();
        long outputRate = batch ? model.batchOutputMicrosPerMTok() : model.outputMicrosPerMTok();
        long cachedRate = batch ? model.cachedInputMicrosPerMTok() / 2 : model.cachedInputMicrosPerMTok();
        long writeRate = batch ? model.cacheWrite5mMicrosPerMTok() / 2 : model.cacheWrite5mMicrosPerMTok();
        long scaled = Math.addExact(Math.addExact(
                Math.multiplyExact(usage.inputTokens(), inputRate),
                Math.multiplyExact(usage.outputTokens(), outputRate)), Math.addExact(
                Math.multiplyExact(usage.cachedInputTokens(), cachedRate),
                Math.multiplyExact(usage.cacheWriteTokens(), writeRate)));
        return (scaled + PER_MILLION / 2) / PER_MILLION;
    }

    /** Input estimate plus the full output allowance at list price: the most a request can cost. */
    public static long estimateMicros(ModelSpec model, long inputTokens, long maxOutputTokens) {
        return costMicros(model, new Usage(inputTokens, maxOutputTokens, 0, 0), CostBasis.SYNC);
    }
}
