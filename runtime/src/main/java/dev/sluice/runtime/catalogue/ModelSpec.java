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
        boolean batchApi,
        long batchCachedInputMicrosPerMTok,
        long batchCacheWrite5mMicrosPerMTok) {

    /** A model whose provider gives no prompt-cache discount inside a batch. */
    public ModelSpec(
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
        this(
                name,
                provider,
                inputMicrosPerMTok,
                cachedInputMicrosPerMTok,
                cacheWrite5mMicrosPerMTok,
                cacheWrite1hMicrosPerMTok,
                outputMicrosPerMTok,
                batchInputMicrosPerMTok,
                batchOutputMicrosPerMTok,
                contextWindow,
                maxOutputTokens,
                minCacheTokens,
                requestsPerMinute,
                tokensPerMinute,
                batchApi,
                batchInputMicrosPerMTok,
                batchInputMicrosPerMTok);
    }
}
