package dev.sluice.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * One OpenAI batch and its status, derived from the clock: {@code validating} for the first tenth
 * of the processing time, then {@code failed} (input failed validation) or {@code in_progress};
 * {@code finalizing} for the last tenth, then {@code completed}. With expiring lines it stays
 * {@code in_progress} until the end and ends {@code expired}; a cancel gives {@code cancelling}
 * for a tenth of the processing time, then {@code cancelled}.
 */
final class OpenAiBatch {

    static final long WINDOW_MS = 24L * 3600 * 1000;

    final String id;
    final String inputFileId;
    final String endpoint;
    final JsonNode metadata;
    final BatchRun run;
    final OpenAiBatchInput input;
    private String outputFileId;
    private String errorFileId;

    OpenAiBatch(
            String id, String inputFileId, String endpoint, JsonNode metadata, BatchRun run, OpenAiBatchInput input) {
        this.id = id;
        this.inputFileId = inputFileId;
        this.endpoint = endpoint;
        this.metadata = metadata;
        this.run = run;
        this.input = input;
    }

    boolean failed() {
        return !input.errors().isEmpty();
    }

    String status(long now) {
        Long cancelAt = run.cancelAt();
        if (cancelAt != null) {
            return run.ended(now) ? "cancelled" : "cancelling";
        }
        if (now < run.firstLineAt()) {
            return "validating";
        }
        if (failed()) {
            return "failed";
        }
        if (now >= run.endsAt()) {
            return run.expiring() ? "expired" : "completed";
        }
        return now >= run.lastLineAt() && !run.expiring() ? "finalizing" : "in_progress";
    }

    boolean terminal(long now) {
        return List.of("failed", "completed", "expired", "cancelled").contains(status(now));
    }

    synchronized void files(String output, String error) {
        outputFileId = output;
        errorFileId = error;
    }

    synchronized ObjectNode toJson(ObjectMapper json, long now) {
        String status = status(now);
        Long cancelAt = run.cancelAt();
        long validated = run.firstLineAt();
        boolean ranLines = !failed() && now >= validated && (cancelAt == null || cancelAt >= validated);
        boolean finalized = cancelAt == null && !run.expiring() && !failed() && now >= run.lastLineAt();
        ObjectNode body = json.createObjectNode();
        body.put("id", id);
        body.put("object", "batch");
        body.put("endpoint", endpoint);
        body.put("model", input.model());
        if (failed() && status.equals("failed")) {
            ObjectNode errors = body.putObject("errors");
            errors.put("object", "list");
            errors.putArray("data").addAll(input.errors());
        } else {
            body.putNull("errors");
        }
        body.put("input_file_id", inputFileId);
        body.put("completion_window", "24h");
        body.put("status", status);
        body.put("output_file_id", outputFileId);
        body.put("error_file_id", errorFileId);
        body.put("created_at", seconds(run.createdAt()));
        body.put("in_progress_at", ranLines ? seconds(validated) : null);
        body.put("expires_at", seconds(run.createdAt() + WINDOW_MS));
        body.put("finalizing_at", finalized ? seconds(run.lastLineAt()) : null);
        body.put("completed_at", status.equals("completed") ? seconds(run.endsAt()) : null);
        body.put("failed_at", status.equals("failed") ? seconds(validated) : null);
        body.put("expired_at", status.equals("expired") ? seconds(run.endsAt()) : null);
        body.put("cancelling_at", cancelAt != null ? seconds(cancelAt) : null);
        body.put("cancelled_at", status.equals("cancelled") ? seconds(run.endedAt()) : null);
        Map<BatchRun.Outcome, Integer> counts = run.counts(now);
        ObjectNode requestCounts = body.putObject("request_counts");
        requestCounts.put(
                "total",
                status.equals("validating") || failed() ? 0 : run.lines().size());
        requestCounts.put("completed", counts.get(BatchRun.Outcome.SUCCEEDED));
        requestCounts.put("failed", counts.get(BatchRun.Outcome.ERRORED));
        long[] usage = run.usage(now);
        ObjectNode usageNode = body.putObject("usage");
        usageNode.put("input_tokens", usage[0]);
        usageNode.putObject("input_tokens_details").put("cached_tokens", usage[2]);
        usageNode.put("output_tokens", usage[1]);
        usageNode.putObject("output_tokens_details").put("reasoning_tokens", 0);
        usageNode.put("total_tokens", usage[0] + usage[1]);
        body.set("metadata", metadata);
        return body;
    }

    static long seconds(long millis) {
        return Math.floorDiv(millis, 1000);
    }
}
