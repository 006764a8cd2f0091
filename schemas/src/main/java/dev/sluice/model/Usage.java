package dev.sluice.model;

/**
 * Token usage as a provider reported it. {@code inputTokens} counts only tokens billed at the full
 * input rate; cached reads and cache writes are counted apart because they are priced apart.
 */
public record Usage(long inputTokens, long outputTokens, long cachedInputTokens, long cacheWriteTokens) {
    public static final Usage ZERO = new Usage(0, 0, 0, 0);

    public long totalInputTokens() {
        return inputTokens + cachedInputTokens + cacheWriteTokens;
    }

    public long totalTokens() {
        return totalInputTokens() + outputTokens;
    }

    public Usage plus(Usage other) {
        return new Usage(
                inputTokens + other.inputTokens,
                outputTokens + other.outputTokens,
                cachedInputTokens + other.cachedInputTokens,
                cacheWriteTokens + other.cacheWriteTokens);
    }
}
