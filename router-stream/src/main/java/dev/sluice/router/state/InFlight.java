package dev.sluice.router.state;

import dev.sluice.model.LlmJob;
import dev.sluice.runtime.requests.RequestLimits;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A cacheable request being answered now (the leader), and the identical requests waiting for
 * its result instead of becoming jobs of their own (single-flight).
 *
 * <p>Followers are kept whole (each becomes a job if the leader fails), so an entry takes at most
 * {@link #MAX_FOLLOWERS} of them and {@link #MAX_FOLLOWER_BYTES} of their requests' text: one
 * changelog record (16 MiB) must hold it as JSON, which writes a control character in six bytes.
 * A request beyond that is routed as a job of its own, which costs a provider call and nothing else.
 *
 * <p>{@code traces} keeps each follower's own traceparent (by requestId): a follower answered from
 * the leader's result, or routed when the leader fails or the wait ends, stays in its own trace.
 */
public record InFlight(String leaderRequestId, List<LlmJob> followers, Map<String, String> traces) {
    public static final int MAX_FOLLOWERS = 100;
    public static final long MAX_FOLLOWER_BYTES = 2L * 1024 * 1024;

    public InFlight {
        followers = followers == null ? List.of() : List.copyOf(followers);
        traces = traces == null ? Map.of() : Map.copyOf(traces);
    }

    public InFlight(String leaderRequestId, List<LlmJob> followers) {
        this(leaderRequestId, followers, Map.of());
    }

    /** Whether one more follower fits in this entry. */
    public boolean takes(LlmJob follower) {
        if (followers.size() >= MAX_FOLLOWERS) {
            return false;
        }
        long bytes = RequestLimits.encodedBytes(follower.request());
        for (LlmJob f : followers) {
            bytes += RequestLimits.encodedBytes(f.request());
        }
        return bytes <= MAX_FOLLOWER_BYTES;
    }

    public InFlight with(LlmJob follower, String traceparent) {
        List<LlmJob> more = new ArrayList<>(followers);
        more.add(follower);
        Map<String, String> moreTraces = new HashMap<>(traces);
        if (traceparent != null) {
            moreTraces.put(follower.requestId(), traceparent);
        }
        return new InFlight(leaderRequestId, more, moreTraces);
    }

    /** The traceparent a follower arrived with; null when it had none. */
    public String traceOf(String requestId) {
        return traces.get(requestId);
    }
}
