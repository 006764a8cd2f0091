package dev.sluice.sim;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A snapshot of what the simulator has served since it started.
 *
 * @param requestsByEndpoint keyed by route, e.g. {@code POST /v1/chat/completions}; unknown paths
 *     are counted under {@code unmatched}
 * @param responsesByStatus HTTP status of every answered request, errors included
 * @param inputTokens prompt/input tokens of successfully answered requests, cached ones included
 * @param outputTokens completion/output tokens actually returned
 * @param cacheReadTokens input tokens reported as prompt-cache reads (OpenAI {@code cached_tokens},
 *     Anthropic {@code cache_read_input_tokens})
 * @param cacheWriteTokens input tokens reported as Anthropic {@code cache_creation_input_tokens}
 * @param injectedFaultsByStatus errors from {@code faultRates} or {@code x-sim-fault}, by status
 * @param outageResponses requests answered with an error, or hung, by a scheduled outage
 * @param rateLimitedByKey 429s from the per-key RPM/TPM limits, by masked API key
 *     ({@code sk-te***************cdef}); injected 429s are not in it
 */
public record SimStats(
        Map<String, Long> requestsByEndpoint,
        Map<Integer, Long> responsesByStatus,
        long inputTokens,
        long outputTokens,
        long cacheReadTokens,
        long cacheWriteTokens,
        Map<Integer, Long> injectedFaultsByStatus,
        long outageResponses,
        Map<String, Long> rateLimitedByKey) {

    public SimStats {
        requestsByEndpoint = Collections.unmodifiableMap(new TreeMap<>(requestsByEndpoint));
        responsesByStatus = Collections.unmodifiableMap(new TreeMap<>(responsesByStatus));
        injectedFaultsByStatus = Collections.unmodifiableMap(new TreeMap<>(injectedFaultsByStatus));
        rateLimitedByKey = Collections.unmodifiableMap(new TreeMap<>(rateLimitedByKey));
    }

    public long requests(String endpoint) {
        return requestsByEndpoint.getOrDefault(endpoint, 0L);
    }

    public long responses(int status) {
        return responsesByStatus.getOrDefault(status, 0L);
    }

    public long totalRequests() {
        return requestsByEndpoint.values().stream().mapToLong(Long::longValue).sum();
    }

    public long injectedFaults(int status) {
        return injectedFaultsByStatus.getOrDefault(status, 0L);
    }

    /** All 429s the RPM/TPM limits gave, over every key. */
    public long rateLimited() {
        return rateLimitedByKey.values().stream().mapToLong(Long::longValue).sum();
    }
}
