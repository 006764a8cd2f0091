package dev.sluice.router.state;

import dev.sluice.model.LlmJob;
import java.util.ArrayList;
import java.util.List;

/**
 * A cacheable request being answered now (the leader), and the identical requests waiting for
 * its result instead of becoming jobs of their own (single-flight).
 */
public record InFlight(String leaderRequestId, List<LlmJob> followers) {
    public InFlight {
        followers = followers == null ? List.of() : List.copyOf(followers);
    }

    public InFlight with(LlmJob follower) {
        List<LlmJob> more = new ArrayList<>(followers);
        more.add(follower);
        return new InFlight(leaderRequestId, more);
    }
}
