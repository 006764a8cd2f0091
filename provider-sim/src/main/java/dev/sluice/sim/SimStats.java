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
 * @param batchesCreatedByProtocol batches accepted by create, by protocol ({@code openai}, {@code anthropic});
 *     an OpenAI batch that later fails validation is counted too
 * @param batchLinesByOutcome lines of ended batches by outcome: {@code succeeded}, {@code errored},
 *     {@code expired}, {@code canceled}
 * @param resubmittedCustomIds distinct custom_ids (per protocol) that were in more than one batch that
 *     was run; zero proves that no job was submitted twice
 * @param repeatedPrompts successful Chat Completions and Messages answers whose messages (per protocol) had been
 *     answered successfully before: a caller that never sends the same conversation twice on purpose, such as a
 *     test giving every job a unique prompt, reads its repeated provider calls here
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
        Map<String, Long> rateLimitedByKey,
        Map<String, Long> batchesCreatedByProtocol,
        Map<String, Long> batchLinesByOutcome,
        long resubmittedCustomIds,
        long repeatedPrompts) {

    /** The counters from before batches existed; every batch counter is zero. */
    public SimStats(
            Map<String, Long> requestsByEndpoint,
            Map<Integer, Long> responsesByStatus,
            long inputTokens,
            long outputTokens,
            long cacheReadTokens,
            long cacheWriteTokens,
            Map<Integer, Long> injectedFaultsByStatus,
            long outageResponses,
            Map<String, Long> rateLimitedByKey) {
        this(
                requestsByEndpoint,
                responsesByStatus,
                inputTokens,
                outputTokens,
                cacheReadTokens,
                cacheWriteTokens,
                injectedFaultsByStatus,
                outageResponses,
                rateLimitedByKey,
                Map.of(),
                Map.of(),
                0,
                0);
    }

    public SimStats {
        requestsByEndpoint = Collections.unmodifiableMap(new TreeMap<>(requestsByEndpoint));
        responsesByStatus = Collections.unmodifiableMap(new TreeMap<>(responsesByStatus));
        injectedFaultsByStatus = Collections.unmodifiableMap(new TreeMap<>(injectedFaultsByStatus));
        rateLimitedByKey = Collections.unmodifiableMap(new TreeMap<>(rateLimitedByKey));
        batchesCreatedByProtocol = Collections.unmodifiableMap(new TreeMap<>(batchesCreatedByProtocol));
        batchLinesByOutcome = Collections.unmodifiableMap(new TreeMap<>(batchLinesByOutcome));
    }

    /** @param protocol {@code openai} or {@code anthropic} */
    public long batchesCreated(String protocol) {
        return batchesCreatedByProtocol.getOrDefault(protocol, 0L);
    }

    /** @param outcome {@code succeeded}, {@code errored}, {@code expired} or {@code canceled} */
    public long batchLines(String outcome) {
        return batchLinesByOutcome.getOrDefault(outcome, 0L);
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
