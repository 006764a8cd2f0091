package dev.sluice.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.model.LlmRequest;
import dev.sluice.runtime.requests.RequestFingerprint;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Turns the body of {@code POST /v1/jobs:batch}, {@code {"jobs":[...]}}, into requests. Every job
 * is checked as {@code POST /v1/jobs} checks one, and every problem of every job is reported at
 * once, its field prefixed with the job's index ({@code jobs[3].messages}). A batch is accepted
 * whole or not at all, so one invalid job refuses it. Two jobs with one idempotency key and
 * different contents are invalid too (400): the batch itself is at fault, whatever was sent before.
 */
final class BatchRequestParser {
    record Parsed(List<LlmRequest> requests, List<Problem.FieldError> errors, String detail) {}

    private BatchRequestParser() {}

    /**
     * @param maxJobs      the most jobs a batch may hold
     * @param maxJobBytes  the most bytes one job may take, as for a single job's body
     */
    static Parsed parse(
            JsonNode body,
            int maxJobs,
            int maxJobBytes,
            Supplier<String> requestIds,
            Instant now,
            String callerTenant) {
        List<Problem.FieldError> errors = new ArrayList<>();
        if (!body.isObject()) {
            return refused("the body must be a JSON object: {\"jobs\": [...]}", "", "must be an object with jobs");
        }
        body.fieldNames().forEachRemaining(f -> {
            if (!f.equals("jobs")) {
                errors.add(new Problem.FieldError(f, "unknown field"));
            }
        });
        JsonNode jobs = body.get("jobs");
        if (jobs == null || jobs.isNull()) {
            errors.add(new Problem.FieldError("jobs", "is required"));
        } else if (!jobs.isArray() || jobs.isEmpty()) {
            errors.add(new Problem.FieldError("jobs", "must be an array of 1 to " + maxJobs + " jobs"));
        } else if (jobs.size() > maxJobs) {
            return refused(
                    "The batch holds " + jobs.size() + " jobs; a batch holds at most " + maxJobs
                            + ". Nothing was accepted",
                    "jobs",
                    "holds " + jobs.size() + " jobs; at most " + maxJobs);
        }
        if (!errors.isEmpty()) {
            return new Parsed(null, errors, "The batch is not valid; nothing was accepted");
        }
        List<LlmRequest> requests = new ArrayList<>(jobs.size());
        Map<String, First> firstWithKey = new HashMap<>();
        int invalidJobs = 0;
        for (int i = 0; i < jobs.size(); i++) {
            String at = "jobs[" + i + "]";
            JsonNode job = jobs.get(i);
            int bytes = job.toString().getBytes(StandardCharsets.UTF_8).length;
            if (bytes > maxJobBytes) {
                errors.add(
                        new Problem.FieldError(at, "is " + bytes + " bytes; one job may take at most " + maxJobBytes));
                invalidJobs++;
                continue;
            }
            JobRequestParser.Parsed parsed = JobRequestParser.parse(job, requestIds.get(), null, now, callerTenant);
            if (parsed.request() == null) {
                parsed.errors()
                        .forEach(e -> errors.add(
                                new Problem.FieldError(e.field().isEmpty() ? at : at + "." + e.field(), e.message())));
                invalidJobs++;
            } else if (reusesKey(parsed.request(), i, firstWithKey) instanceof Integer first) {
                errors.add(new Problem.FieldError(
                        at + ".idempotencyKey",
                        "is also the key of jobs[" + first + "], a different job; one key names one job"));
                invalidJobs++;
            } else {
                requests.add(parsed.request());
            }
        }
        if (invalidJobs > 0) {
            String which = jobs.size() == 1
                    ? "The job is"
                    : invalidJobs + " of the " + jobs.size() + " jobs " + (invalidJobs == 1 ? "is" : "are");
            return new Parsed(null, errors, which + " invalid; nothing was accepted");
        }
        return new Parsed(requests, errors, null);
    }

    /** The first job of the batch with a key: where it is, and what it asks for. */
    private record First(int index, String fingerprint) {}

    /**
     * The index of an earlier job of the batch with the same idempotency key and another job, or
     * null. The same job twice under one key is let through, as a retry would be.
     */
    private static Integer reusesKey(LlmRequest request, int index, Map<String, First> firstWithKey) {
        if (request.idempotencyKey() == null) {
            return null;
        }
        String fingerprint = RequestFingerprint.of(request);
        First first = firstWithKey.putIfAbsent(request.idempotencyKey(), new First(index, fingerprint));
        return first == null || first.fingerprint().equals(fingerprint) ? null : first.index();
    }

    private static Parsed refused(String detail, String field, String message) {
        return new Parsed(null, List.of(new Problem.FieldError(field, message)), detail);
    }
}
