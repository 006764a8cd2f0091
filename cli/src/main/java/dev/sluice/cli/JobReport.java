package dev.sluice.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.model.Attempt;
import dev.sluice.model.JobStatus;
import dev.sluice.model.LlmResult;
import dev.sluice.runtime.Tracing;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * What {@code sluice jobs show} prints of a job: its status and its result, either of which may be
 * missing (a job still running has no result; a status expires before its result does).
 *
 * @param status the latest JobStatus and its record's traceparent, or null
 * @param result the LlmResult and its record's traceparent, or null
 */
record JobReport(String requestId, Found status, Found result) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A record found for the job: its value, and the traceparent header it carried (or null). */
    record Found(Object value, String traceparent) {}

    private JobStatus jobStatus() {
        return status == null ? null : (JobStatus) status.value();
    }

    private LlmResult llmResult() {
        return result == null ? null : (LlmResult) result.value();
    }

    /** The trace id of the job's result's traceparent, else its status's; null when neither carries one. */
    String traceId() {
        String fromResult = result == null ? null : Tracing.traceId(result.traceparent());
        return fromResult != null ? fromResult : status == null ? null : Tracing.traceId(status.traceparent());
    }

    String text() {
        StringBuilder out = new StringBuilder();
        JobStatus s = jobStatus();
        LlmResult r = llmResult();
        out.append("job ")
                .append(requestId)
                .append(" of tenant ")
                .append(r != null ? r.tenantId() : s.tenantId())
                .append('\n');
        line(
                out,
                "status",
                s == null
                        ? "(no status: expired, or never written)"
                        : s.state() + " at " + s.updatedAt()
                                + (s.detail() == null ? "" : " (" + s.detail() + ")")
                                + (s.batchId() == null ? "" : ", provider batch " + s.batchId()));
        if (r == null) {
            line(out, "result", "none yet");
        } else {
            line(
                    out,
                    "result",
                    r.status()
                            + (r.error() == null
                                    ? ""
                                    : " " + r.error().code() + ": " + r.error().message()));
            line(out, "timings", timings(r));
            if (r.attempts().isEmpty()) {
                line(out, "attempts", "none (no provider was called)");
            }
            for (int i = 0; i < r.attempts().size(); i++) {
                Attempt a = r.attempts().get(i);
                line(
                        out,
                        i == 0 ? "attempts" : "",
                        (i + 1) + ". " + a.provider() + " " + a.model() + " " + a.outcome()
                                + (a.httpStatus() == null ? "" : " (HTTP " + a.httpStatus() + ")") + " in "
                                + a.latencyMs()
                                + " ms");
            }
            line(
                    out,
                    "cost",
                    String.format(
                            Locale.ROOT,
                            "$%d.%06d (%,d micro-dollars); tokens in %,d, out %,d, cached" + " %,d",
                            r.costMicros() / 1_000_000,
                            r.costMicros() % 1_000_000,
                            r.costMicros(),
                            r.usage().inputTokens(),
                            r.usage().outputTokens(),
                            r.usage().cachedInputTokens()));
            line(
                    out,
                    "served",
                    (r.model() == null ? "no model" : r.provider() + " " + r.model())
                            + (r.batch() ? ", in a provider batch" : "")
                            + (r.cacheHit().name().equals("NONE") ? "" : ", cache hit " + r.cacheHit())
                            + (r.duplicateOf() == null ? "" : ", a duplicate of " + r.duplicateOf()));
        }
        String trace = traceId();
        line(
                out,
                "trace id",
                trace != null
                        ? trace + " (traceparent of its "
                                + (result != null && Tracing.traceId(result.traceparent()) != null
                                        ? "result"
                                        : "status")
                                + ")"
                        : "(its records carry no traceparent)");
        return out.toString();
    }

    /** Each stage's moment, and the time from the one before. */
    private static String timings(LlmResult r) {
        StringBuilder t = new StringBuilder("created " + r.createdAt());
        Instant previous = r.createdAt();
        for (Object[] stage :
                new Object[][] {{"routed", r.routedAt()}, {"started", r.startedAt()}, {"completed", r.completedAt()}}) {
            Instant at = (Instant) stage[1];
            if (at != null) {
                t.append(", ").append(stage[0]).append(" +").append(millis(Duration.between(previous, at)));
                previous = at;
            }
        }
        return t.append(" (")
                .append(millis(Duration.between(r.createdAt(), r.completedAt())))
                .append(" in all)")
                .toString();
    }

    private static String millis(Duration d) {
        return d.toMillis() < 10_000
                ? d.toMillis() + " ms"
                : String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    ObjectNode json() {
        ObjectNode n = JSON.createObjectNode().put("requestId", requestId);
        JobStatus s = jobStatus();
        if (s == null) {
            n.putNull("status");
        } else {
            n.putObject("status")
                    .put("state", s.state().name())
                    .put("detail", s.detail())
                    .put("batchId", s.batchId())
                    .put("updatedAt", s.updatedAt().toString());
        }
        LlmResult r = llmResult();
        if (r == null) {
            n.putNull("result");
        } else {
            ObjectNode res = n.putObject("result")
                    .put("tenantId", r.tenantId())
                    .put("status", r.status().name())
                    .put("reason", r.error() == null ? null : r.error().code())
                    .put("message", r.error() == null ? null : r.error().message())
                    .put("provider", r.provider())
                    .put("model", r.model())
                    .put("costMicros", r.costMicros())
                    .put("inputTokens", r.usage().inputTokens())
                    .put("outputTokens", r.usage().outputTokens())
                    .put("cachedInputTokens", r.usage().cachedInputTokens())
                    .put("cacheHit", r.cacheHit().name())
                    .put("batch", r.batch())
                    .put("duplicateOf", r.duplicateOf());
            ObjectNode timings = res.putObject("timings")
                    .put("createdAt", r.createdAt().toString())
                    .put("completedAt", r.completedAt().toString());
            timings.put("routedAt", r.routedAt() == null ? null : r.routedAt().toString());
            timings.put(
                    "startedAt", r.startedAt() == null ? null : r.startedAt().toString());
            ArrayNode attempts = res.putArray("attempts");
            r.attempts()
                    .forEach(a -> attempts.addObject()
                            .put("provider", a.provider())
                            .put("model", a.model())
                            .put("outcome", a.outcome())
                            .put("httpStatus", a.httpStatus())
                            .put("latencyMs", a.latencyMs()));
        }
        n.put("traceId", traceId());
        return n;
    }

    private static void line(StringBuilder out, String name, String value) {
        out.append(String.format(Locale.ROOT, "  %-10s %s%n", name, value));
    }
}
