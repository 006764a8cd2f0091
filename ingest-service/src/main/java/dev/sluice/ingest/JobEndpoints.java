package dev.sluice.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.sluice.model.LlmRequest;
import dev.sluice.runtime.requests.RequestLimits;
import dev.sluice.runtime.tenants.TenantDirectory;
import dev.sluice.runtime.tracing.Telemetry;
import dev.sluice.schemas.serde.RecordTooLargeForTopic;
import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/jobs} and {@code POST /v1/jobs:batch}. Each request goes through the same
 * steps, and the first that fails answers: the API key (401, 403), the content type (415), the body
 * size (413) and its arrival in time (408, {@link BodyDeadline}), the JSON (400), every field of
 * every job (400), the tenant (403), an idempotency key this instance took with another job (409,
 * {@link IdempotencyKeys}), the tenant's request limit (429), then the produce (202 once acked,
 * else 503). Nothing is produced for a request answered otherwise than 202. Only a valid request
 * takes from the tenant's limit.
 */
final class JobEndpoints {
    private static final Logger log = LoggerFactory.getLogger(JobEndpoints.class);
    /** A body is one JSON value: anything after it but whitespace makes it malformed, not ignored. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final IngestConfig config;
    private final ApiKeyAuth auth;
    private final TenantDirectory tenants;
    private final TenantRateLimits limits;
    private final IdempotencyKeys keys;
    private final JobWriter writer;
    private final BatchWriter batches;
    private final MeterRegistry metrics;
    private final Clock clock;
    private final Telemetry telemetry;

    JobEndpoints(
            IngestConfig config,
            ApiKeyAuth auth,
            TenantDirectory tenants,
            TenantRateLimits limits,
            IdempotencyKeys keys,
            JobWriter writer,
            BatchWriter batches,
            MeterRegistry metrics,
            Clock clock,
            Telemetry telemetry) {
        this.telemetry = telemetry;
        this.config = config;
        this.auth = auth;
        this.tenants = tenants;
        this.limits = limits;
        this.keys = keys;
        this.writer = writer;
        this.batches = batches;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** How the jobs of a request are stored: all of them, or none with {@link NotStored}. */
    @FunctionalInterface
    private interface Store {
        void write(List<LlmRequest> requests, Function<LlmRequest, String> traceparents)
                throws NotStored, InterruptedException;
    }

    void submit(Context ctx) throws IOException {
        try {
            AcceptSpans.serve(telemetry, "/v1/jobs", ctx::header, ctx, this::one);
        } finally {
            count(ctx, "jobs");
        }
    }

    void submitBatch(Context ctx) throws IOException {
        try {
            AcceptSpans.serve(telemetry, "/v1/jobs:batch", ctx::header, ctx, this::batch);
        } finally {
            count(ctx, "batch");
        }
    }

    private void count(Context ctx, String endpoint) {
        IngestMetrics.request(metrics, endpoint, ctx.statusCode());
    }

    private void one(Context ctx) throws IOException {
        Optional<String> caller = auth.tenantOf(ctx);
        if (caller.isEmpty()) {
            return;
        }
        JsonNode json = readJson(ctx, config.maxBodyBytes());
        if (json == null) {
            return;
        }
        JobRequestParser.Parsed parsed = JobRequestParser.parse(
                json, UUID.randomUUID().toString(), ctx.header("Idempotency-Key"), clock.instant(), caller.get());
        if (parsed.request() == null) {
            Problem.invalid(parsed.errors()).send(ctx);
            return;
        }
        LlmRequest request = parsed.request();
        List<Problem.FieldError> oversized = oversized(request, "");
        if (!oversized.isEmpty()) {
            Problem.invalid(oversized).send(ctx);
            return;
        }
        if (!request.tenantId().equals(caller.get())) {
            Problem.otherTenant(
                            "The API key belongs to tenant '" + caller.get() + "'; the job names '" + request.tenantId()
                                    + "'",
                            List.of(new Problem.FieldError("tenantId", "must be the API key's tenant or left out")))
                    .send(ctx);
            return;
        }
        if (!accepted(
                ctx,
                "jobs",
                request.tenantId(),
                List.of(request),
                (rs, traceparents) -> writer.write(rs.getFirst(), traceparents.apply(rs.getFirst())))) {
            return;
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("requestId", request.requestId());
        answer.put("tenantId", request.tenantId());
        answer.put("idempotencyKey", request.effectiveIdempotencyKey());
        answer.put("status", "ACCEPTED");
        ctx.status(202).contentType("application/json").result(JSON.writeValueAsString(answer));
    }

    private void batch(Context ctx) throws IOException {
        Optional<String> caller = auth.tenantOf(ctx);
        if (caller.isEmpty()) {
            return;
        }
        if (ctx.header("Idempotency-Key") != null) {
            Problem.invalidBatch(
                            "A batch takes no Idempotency-Key header; give each job its own idempotencyKey",
                            List.of(new Problem.FieldError("Idempotency-Key", "is not allowed on a batch")))
                    .send(ctx);
            return;
        }
        JsonNode json = readJson(ctx, config.maxBatchBodyBytes());
        if (json == null) {
            return;
        }
        BatchRequestParser.Parsed parsed = BatchRequestParser.parse(
                json,
                config.maxBatchJobs(),
                config.maxBodyBytes(),
                () -> UUID.randomUUID().toString(),
                clock.instant(),
                caller.get());
        if (parsed.requests() == null) {
            Problem.invalidBatch(parsed.detail(), parsed.errors()).send(ctx);
            return;
        }
        List<Problem.FieldError> oversized = new ArrayList<>();
        for (int i = 0; i < parsed.requests().size(); i++) {
            oversized.addAll(oversized(parsed.requests().get(i), "jobs[" + i + "]."));
        }
        if (!oversized.isEmpty()) {
            Problem.invalidBatch(
                            oversized.size() + " of the " + parsed.requests().size() + " jobs are over the"
                                    + " request limits; nothing was accepted",
                            oversized)
                    .send(ctx);
            return;
        }
        List<Problem.FieldError> others = new ArrayList<>();
        for (int i = 0; i < parsed.requests().size(); i++) {
            if (!parsed.requests().get(i).tenantId().equals(caller.get())) {
                others.add(
                        new Problem.FieldError("jobs[" + i + "].tenantId", "must be the API key's tenant or left out"));
            }
        }
        if (!others.isEmpty()) {
            Problem.otherTenant(
                            "The API key belongs to tenant '" + caller.get() + "'; " + others.size() + " of the "
                                    + parsed.requests().size() + " jobs name another tenant; nothing was accepted",
                            others)
                    .send(ctx);
            return;
        }
        if (!accepted(ctx, "batch", caller.get(), parsed.requests(), batches::write)) {
            return;
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("tenantId", caller.get());
        answer.put("status", "ACCEPTED");
        answer.put(
                "jobs",
                parsed.requests().stream()
                        .map(r -> Map.of("requestId", r.requestId(), "idempotencyKey", r.effectiveIdempotencyKey()))
                        .toList());
        ctx.status(202).contentType("application/json").result(JSON.writeValueAsString(answer));
    }

    /**
     * The request limits the router applies ({@code requests.max.*}), checked here so that a job it
     * would refuse for its size is not stored at all; one error naming the field and the code.
     */
    private List<Problem.FieldError> oversized(LlmRequest request, String prefix) {
        RequestLimits.Violation v = config.requestLimits().check(request);
        if (v == null) {
            return List.of();
        }
        String field = v.field().isEmpty()
                ? (prefix.isEmpty() ? "(body)" : prefix.substring(0, prefix.length() - 1))
                : prefix + v.field();
        return List.of(new Problem.FieldError(field, v.message() + " (" + v.code() + ")"));
    }

    /**
     * Whether the jobs' idempotency keys are theirs, the tenant's limit lets them in, and they were
     * stored; if not, 409, 429 or 503 has been answered. A key is given back when its job is surely
     * not stored, and kept when it may be (503 {@code outcome-unknown}).
     */
    private boolean accepted(Context ctx, String endpoint, String tenantId, List<LlmRequest> requests, Store store)
            throws IOException {
        if (!claimed(ctx, endpoint, tenantId, requests)) {
            return false;
        }
        if (!admitted(ctx, tenantId, requests.size())) {
            keys.release(requests);
            return false;
        }
        return stored(ctx, endpoint, requests, store);
    }

    /**
     * Whether the jobs' idempotency keys are theirs to take: none was taken on this instance with
     * another job; if one was, 409 has been answered.
     */
    private boolean claimed(Context ctx, String endpoint, String tenantId, List<LlmRequest> requests) {
        List<IdempotencyKeys.Conflict> conflicts = keys.claim(requests);
        if (conflicts.isEmpty()) {
            return true;
        }
        IngestMetrics.idempotencyConflict(metrics, tenantId);
        boolean batch = endpoint.equals("batch");
        String header = ctx.header("Idempotency-Key");
        String field = batch ? null : header != null && !header.isBlank() ? "Idempotency-Key" : "idempotencyKey";
        List<Problem.FieldError> errors = conflicts.stream()
                .map(c -> new Problem.FieldError(
                        batch ? "jobs[" + c.index() + "].idempotencyKey" : field,
                        "'" + c.key() + "' was used at " + c.original().at() + " for request "
                                + c.original().requestId() + ", another job"))
                .toList();
        IdempotencyKeys.Conflict first = conflicts.getFirst();
        String what = batch
                ? conflicts.size() + " of the " + requests.size() + " jobs reuse an idempotency key of"
                        + " another job of this tenant (" + errors.getFirst().field() + ": request "
                        + first.original().requestId() + ")"
                : "Idempotency key '" + first.key() + "' was used at "
                        + first.original().at() + " for request "
                        + first.original().requestId() + ", another job";
        Problem.idempotencyConflict(
                        what + "; nothing was accepted. A retry sends the job exactly as it was sent"
                                + " first; another job takes a new key",
                        errors)
                .send(ctx);
        return false;
    }

    /** Whether the jobs were stored; if not, 503 with Retry-After has been answered. */
    private boolean stored(Context ctx, String endpoint, List<LlmRequest> requests, Store store) throws IOException {
        long start = System.nanoTime();
        try (AcceptSpans spans = AcceptSpans.of(telemetry, requests, endpoint.equals("batch"))) {
            try {
                store.write(requests, spans::traceparent);
            } catch (NotStored e) {
                spans.failed(e.getMessage());
                throw e;
            }
        } catch (NotStored e) {
            log.warn(
                    "Could not store {} job(s) of tenant {} (first {}): {}",
                    requests.size(),
                    requests.getFirst().tenantId(),
                    requests.getFirst().requestId(),
                    e.getCause() == null ? e.getMessage() : e.getCause().toString());
            if (e.outcomeKnown()) {
                keys.release(requests);
            }
            if (e.getCause() instanceof RecordTooLargeForTopic tooLarge) {
                // Within the request limits, yet too large as a record: the limits are set above
                // topics.max.record.bytes. The job is at fault, not the broker; no retry will help.
                Problem.ofStatus(
                                413,
                                "A job, as a record for " + tooLarge.topic() + ", is " + tooLarge.size()
                                        + " bytes; at most " + tooLarge.limit()
                                        + " fit (topics.max.record.bytes); nothing was"
                                        + " accepted. Send a smaller job")
                        .send(ctx);
                return false;
            }
            ctx.header("Retry-After", "5");
            (e.outcomeKnown() ? Problem.unavailable(e.getMessage()) : Problem.outcomeUnknown(e.getMessage())).send(ctx);
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        IngestMetrics.acked(metrics, endpoint, Duration.ofNanos(System.nanoTime() - start));
        return true;
    }

    /** Whether the tenant's limit lets {@code jobs} jobs in now; if not, 429 with Retry-After has been answered. */
    boolean admitted(Context ctx, String tenantId, int jobs) {
        Integer own =
                tenants.get(tenantId).map(t -> t.limits().requestsPerMinute()).orElse(null);
        long wait = limits.take(tenantId, own, jobs);
        if (wait == 0) {
            return true;
        }
        IngestMetrics.rateLimited(metrics, tenantId);
        long seconds = TenantRateLimits.retryAfterSeconds(wait);
        TenantRateLimits.Limit limit = limits.limitOf(own);
        ctx.header("Retry-After", Long.toString(seconds));
        Problem.tooManyRequests(String.format(
                        Locale.ROOT,
                        "Tenant '%s' is over its limit of %d requests a minute"
                                + " (bursts of up to %.0f) on this instance; %s retry in %d s",
                        tenantId,
                        limit.perMinute(),
                        Math.floor(limit.burst()),
                        jobs == 1 ? "nothing was accepted," : "none of the " + jobs + " jobs was accepted,",
                        seconds))
                .send(ctx);
        return false;
    }

    /** The body as JSON, or null once a 415, 413, 408 or 400 has been answered. */
    static JsonNode readJson(Context ctx, int limit) throws IOException {
        String contentType = ctx.contentType();
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            Problem.unsupportedMediaType(contentType).send(ctx);
            return null;
        }
        byte[] body;
        try {
            body = readCapped(ctx.bodyInputStream(), limit);
        } catch (IOException e) {
            Optional<BodyDeadline.Expired> expired = BodyDeadline.cause(e);
            if (expired.isEmpty()) {
                throw e;
            }
            BodyDeadline.refuse(ctx, expired.get());
            return null;
        }
        if (body == null) {
            Problem.tooLarge(limit).send(ctx);
            return null;
        }
        try {
            JsonNode json = JSON.readTree(body);
            if (json == null || json.isMissingNode()) {
                Problem.malformed("the body is empty").send(ctx);
                return null;
            }
            return json;
        } catch (JsonProcessingException e) {
            Problem.malformed(e.getOriginalMessage()).send(ctx);
            return null;
        }
    }

    /** The body, or null when it is longer than the limit (chunked bodies have no Content-Length to check). */
    private static byte[] readCapped(InputStream in, int limit) throws IOException {
        byte[] bytes = in.readNBytes(limit + 1);
        return bytes.length > limit ? null : bytes;
    }
}
