package dev.sluice.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Map;

/**
 * One Anthropic message batch: {@code in_progress} until the processing time is up, or
 * {@code canceling} for a tenth of it after a cancel, then {@code ended}. As the API documents,
 * requests count as {@code processing} until the whole batch ends.
 */
final class AnthropicBatch {

    static final long WINDOW_MS = 24L * 3600 * 1000;

    final String id;
    final BatchRun run;

    AnthropicBatch(String id, BatchRun run) {
        this.id = id;
        this.run = run;
    }

    String status(long now) {
        if (run.ended(now)) {
            return "ended";
        }
        return run.cancelAt() != null ? "canceling" : "in_progress";
    }

    ObjectNode toJson(ObjectMapper json, long now, String resultsUrl) {
        boolean ended = run.ended(now);
        Long cancelAt = run.cancelAt();
        ObjectNode body = json.createObjectNode();
        body.put("id", id);
        body.put("type", "message_batch");
        body.put("processing_status", status(now));
        Map<BatchRun.Outcome, Integer> counts = run.counts(now);
        ObjectNode requestCounts = body.putObject("request_counts");
        requestCounts.put("processing", ended ? 0 : run.lines().size());
        for (BatchRun.Outcome outcome : BatchRun.Outcome.values()) {
            requestCounts.put(outcome.wireName, ended ? counts.get(outcome) : 0);
        }
        body.put("ended_at", ended ? time(run.endedAt()) : null);
        body.put("created_at", time(run.createdAt()));
        body.put("expires_at", time(run.createdAt() + WINDOW_MS));
        body.putNull("archived_at");
        body.put("cancel_initiated_at", cancelAt == null ? null : time(cancelAt));
        body.put("results_url", ended ? resultsUrl : null);
        return body;
    }

    /** RFC 3339 in UTC, as the API sends it. */
    static String time(long millis) {
        return Instant.ofEpochMilli(millis).toString();
    }
}
