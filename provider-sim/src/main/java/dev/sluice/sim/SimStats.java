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
 * @param inputTokens prompt/input tokens of successfully answered requests
 * @param outputTokens completion/output tokens actually returned
 */
public record SimStats(
        Map<String, Long> requestsByEndpoint,
        Map<Integer, Long> responsesByStatus,
        long inputTokens,
        long outputTokens) {

    public SimStats {
        requestsByEndpoint = Collections.unmodifiableMap(new TreeMap<>(requestsByEndpoint));
        responsesByStatus = Collections.unmodifiableMap(new TreeMap<>(responsesByStatus));
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
}
