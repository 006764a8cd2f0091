package dev.sluice.runtime.catalogue;

import dev.sluice.model.CostBasis;
import dev.sluice.model.Usage;

/**
 * Turns token usage into integer micro-dollars. Each token class is priced at its own rate, the
 * products are summed exactly, and the sum is divided by a million once, rounding half up, so
 * the cost of a call is never off by more than half a micro-dollar.
 *
 * <p>Batch calls use the catalogue's batch prices: input, output, and prompt-cache reads and
 * 5-minute writes where the provider prices them in a batch (Anthropic: half the sync cache rates,
 * the discounts stacked; OpenAI: the gpt-5 family's batch cached-input price). A model without
 * batch cache prices gets no cache discount in a batch: its cached and written tokens are billed
 * at the batch input price (docs/adr/0017-batch-only-where-it-pays.md).
 */
public final class Pricing {
    private static final long PER_MILLION = 1_000_000L;

    private Pricing() {}

    public static long costMicros(ModelSpec model, Usage usage, CostBasis basis) {
        boolean batch = basis == CostBasis.BATCH;
        long inputRate = batch ? model.batchInputMicrosPerMTok() : model.inputMicrosPerMTok();
        long outputRate = batch ? model.batchOutputMicrosPerMTok() : model.outputMicrosPerMTok();
        long cachedRate = batch ? model.batchCachedInputMicrosPerMTok() : model.cachedInputMicrosPerMTok();
        long writeRate = batch ? model.batchCacheWrite5mMicrosPerMTok() : model.cacheWrite5mMicrosPerMTok();
        long scaled = Math.addExact(
                Math.addExact(
                        Math.multiplyExact(usage.inputTokens(), inputRate),
                        Math.multiplyExact(usage.outputTokens(), outputRate)),
                Math.addExact(
                        Math.multiplyExact(usage.cachedInputTokens(), cachedRate),
                        Math.multiplyExact(usage.cacheWriteTokens(), writeRate)));
        return (scaled + PER_MILLION / 2) / PER_MILLION;
    }

    /** Input estimate plus the full output allowance at list price: the most a request can cost. */
    public static long estimateMicros(ModelSpec model, long inputTokens, long maxOutputTokens) {
        return costMicros(model, new Usage(inputTokens, maxOutputTokens, 0, 0), CostBasis.SYNC);
    }
}
