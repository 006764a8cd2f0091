package dev.sluice.runtime.catalogue;

/**
 * One model of the catalogue. Prices are integer micro-dollars per million tokens, so a cost is
 * {@code tokens × price / 1,000,000} with one rounding at the end ({@link Pricing}).
 */
public record ModelSpec(
        String name,
        String provider,
        long inputMicrosPerMTok,
        long cachedInputMicrosPerMTok,
        long cacheWrite5mMicrosPerMTok,
        long cacheWrite1hMicrosPerMTok,
        long outputMicrosPerMTok,
        long batchInputMicrosPerMTok,
        long batchOutputMicrosPerMTok,
        int contextWindow,
        int maxOutputTokens,
        int minCacheTokens,
        int requestsPerMinute,
        long tokensPerMinute,
        boolean batchApi) {
}
