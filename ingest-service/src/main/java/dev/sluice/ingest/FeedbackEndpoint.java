package dev.sluice.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.ingest.status.JobStatusTable;
import dev.sluice.model.Feedback;
import dev.sluice.model.JobStatus;
import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * {@code POST /v1/jobs/{id}/feedback}: a user's judgement of a job's answer, {@code {"score": 0..1,
 * "label": "helpful"}}, stored on llm.feedback for analysis. Only the job's own tenant may give
 * it: another tenant's job is answered exactly as an unknown one (404), as {@code GET /v1/jobs/{id}}
 * does. The job must have ended (409 before), and its status must still be kept (ended less than
 * {@code sink.status.retention}, 2 days, ago). Feedback takes one request from the tenant's limit.
 */
final class FeedbackEndpoint {
    static final int MAX_BODY_BYTES = 4096;
    static final Pattern LABEL = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    private static final Set<String> FIELDS = Set.of("score", "label");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ApiKeyAuth auth;
    private final JobStatusTable statuses;
    private final JobEndpoints jobs;
    private final JobWriter writer;
    private final MeterRegistry metrics;
    private final Clock clock;

    FeedbackEndpoint(
            ApiKeyAuth auth,
            JobStatusTable statuses,
            JobEndpoints jobs,
            JobWriter writer,
            MeterRegistry metrics,
            Clock clock) {
        this.auth = auth;
        this.statuses = statuses;
        this.jobs = jobs;
        this.writer = writer;
        this.metrics = metrics;
        this.clock = clock;
    }

    void submit(Context ctx) throws IOException {
        try {
            answer(ctx);
        } finally {
            IngestMetrics.request(metrics, "feedback", ctx.statusCode());
        }
    }

    private void answer(Context ctx) throws IOException {
        Optional<String> caller = auth.tenantOf(ctx);
        if (caller.isEmpty()) {
            return;
        }
        JsonNode json = JobEndpoints.readJson(ctx, MAX_BODY_BYTES);
        if (json == null) {
            return;
        }
        List<Problem.FieldError> errors = new ArrayList<>();
        Feedback parsed = parse(json, ctx.pathParam("id"), caller.get(), errors);
        if (parsed == null) {
            Problem.invalid(errors).send(ctx);
            return;
        }
        if (!statuses.ready()) {
            ctx.header("Retry-After", "5");
            Problem.statusUnavailable("The job-status table is still loading; retry shortly")
                    .send(ctx);
            return;
        }
        Optional<JobStatus> status =
                statuses.get(parsed.requestId()).filter(s -> s.tenantId().equals(caller.get()));
        if (status.isEmpty()) {
            Problem.notFound("No job " + parsed.requestId() + " is known for this tenant (a job's status is kept 2"
                            + " days after it ends; feedback is taken while it is)")
                    .send(ctx);
            return;
        }
        if (!status.get().state().isTerminal()) {
            Problem.jobNotEnded("Job " + parsed.requestId() + " is "
                            + status.get().state() + "; give feedback on its" + " answer once it has one")
                    .send(ctx);
            return;
        }
        if (!jobs.admitted(ctx, caller.get(), 1)) {
            return;
        }
        try {
            writer.write(parsed);
        } catch (NotStored e) {
            ctx.header("Retry-After", "5");
            (e.outcomeKnown() ? Problem.unavailable(e.getMessage()) : Problem.outcomeUnknown(e.getMessage())).send(ctx);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("feedbackId", parsed.feedbackId());
        answer.put("requestId", parsed.requestId());
        answer.put("status", "ACCEPTED");
        ctx.status(202).contentType("application/json").result(JSON.writeValueAsString(answer));
    }

    /** The feedback the body gives, or null with every problem in {@code errors}. */
    Feedback parse(JsonNode body, String requestId, String tenantId, List<Problem.FieldError> errors) {
        if (!body.isObject()) {
            errors.add(new Problem.FieldError("(body)", "must be a JSON object: {\"score\": 0..1, \"label\": ...}"));
            return null;
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                errors.add(new Problem.FieldError(name, "unknown field; feedback takes score and label"));
            }
        }
        JsonNode score = body.path("score");
        if (!score.isNumber() || !(score.asDouble() >= 0 && score.asDouble() <= 1)) {
            errors.add(new Problem.FieldError(
                    "score",
                    "required: a number from 0 (worst) to 1 (best); thumbs are 0" + " and 1, five stars (n - 1) / 4"));
        }
        JsonNode label = body.path("label");
        if (!label.isMissingNode()
                && !label.isNull()
                && !(label.isTextual() && LABEL.matcher(label.asText()).matches())) {
            errors.add(new Problem.FieldError("label", "1 to 64 letters, digits, '.', '_', ':' or '-'"));
        }
        if (!errors.isEmpty()) {
            return null;
        }
        return new Feedback(
                UUID.randomUUID().toString(),
                requestId,
                tenantId,
                score.asDouble(),
                label.isTextual() ? label.asText() : null,
                clock.instant());
    }
}
