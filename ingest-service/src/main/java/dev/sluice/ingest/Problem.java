package dev.sluice.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.List;
import java.util.Locale;

/**
 * An RFC 9457 problem answer ({@code application/problem+json}): a stable type URI, a status, a
 * detail sentence, and one entry per invalid field so a client can fix them all in one go.
 */
public record Problem(String type, String title, int status, String detail, List<FieldError> errors) {
    static final String BASE = "https://sluice.dev/problems/";
    private static final ObjectMapper JSON = new ObjectMapper();

    static final String MEDIA_TYPE = "application/problem+json";

    record FieldError(String field, String message) {}

    /** Set on a request once a problem was written, so the service's 404 mapper does not write another. */
    static final String SENT = "sluice.problem.sent";

    /** Writes this problem as the answer. */
    public void send(Context ctx) {
        ctx.attribute(SENT, Boolean.TRUE);
        ctx.status(status).contentType(MEDIA_TYPE).result(json());
    }

    /** This problem as the bytes of its JSON body. */
    byte[] json() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("A problem of strings and a number always has a JSON form", e);
        }
    }

    /**
     * A problem for a status the HTTP server chose without the service (a bad message, a URI or
     * headers over the limit, no route): its own type where the service has one for the status,
     * else one named after the status's reason phrase ({@code 505} is {@code http-version-not-supported}).
     */
    static Problem ofStatus(int status, String detail) {
        return switch (status) {
            case 400 -> new Problem(BASE + "bad-request", "The request is not valid HTTP", 400, detail, List.of());
            case 404 -> notFound(detail);
            case 405 -> new Problem(BASE + "method-not-allowed", "Method not allowed", 405, detail, List.of());
            case 408 ->
                new Problem(BASE + "request-timeout", "The body did not arrive in time", 408, detail, List.of());
            case 413 -> new Problem(BASE + "body-too-large", "The body is too large", 413, detail, List.of());
            case 414 -> new Problem(BASE + "uri-too-long", "The URI is too long", 414, detail, List.of());
            case 431 ->
                new Problem(BASE + "headers-too-large", "The request headers are too large", 431, detail, List.of());
            case 500 -> internal(detail);
            default -> {
                HttpStatus known = HttpStatus.forStatus(status);
                String reason = known == HttpStatus.UNKNOWN ? "HTTP error" : known.getMessage();
                yield new Problem(
                        BASE + reason.toLowerCase(Locale.ROOT).replaceAll("[^a-z]+", "-"),
                        reason,
                        status,
                        detail,
                        List.of());
            }
        };
    }

    static Problem internal(String detail) {
        return new Problem(BASE + "internal", "Internal error", 500, detail, List.of());
    }

    static Problem invalid(List<FieldError> errors) {
        return new Problem(
                BASE + "invalid-request",
                "The request is not valid",
                400,
                errors.size() + " field" + (errors.size() == 1 ? " is" : "s are") + " invalid",
                errors);
    }

    static Problem invalidBatch(String detail, List<FieldError> errors) {
        return new Problem(BASE + "invalid-request", "The batch is not valid", 400, detail, errors);
    }

    static Problem malformed(String detail) {
        return new Problem(BASE + "malformed-json", "The body is not valid JSON", 400, detail, List.of());
    }

    static Problem tooLarge(int limit) {
        return new Problem(
                BASE + "body-too-large",
                "The body is too large",
                413,
                "The body exceeds the limit of " + limit + " bytes",
                List.of());
    }

    static Problem unavailable(String detail) {
        return new Problem(BASE + "unavailable", "The request could not be stored", 503, detail, List.of());
    }

    /** 503 when the broker's answer never came: the jobs may have been stored, and the detail says how to retry. */
    static Problem outcomeUnknown(String detail) {
        return new Problem(BASE + "outcome-unknown", "The request may not have been stored", 503, detail, List.of());
    }

    /** 429 when a tenant holds as many status streams as it may. */
    public static Problem tooManyStreams(String detail) {
        return new Problem(BASE + "too-many-streams", "Too many status streams", 429, detail, List.of());
    }

    public static Problem notFound(String detail) {
        return new Problem(BASE + "not-found", "No such resource", 404, detail, List.of());
    }

    public static Problem statusUnavailable(String detail) {
        return new Problem(BASE + "status-unavailable", "Job status is unavailable for now", 503, detail, List.of());
    }

    static Problem unsupportedMediaType(String got) {
        return new Problem(
                BASE + "unsupported-media-type",
                "Send application/json",
                415,
                "Content-Type is '" + got + "'; send the job as application/json",
                List.of());
    }

    static Problem unauthorized(String detail) {
        return new Problem(BASE + "unauthorized", "A valid API key is required", 401, detail, List.of());
    }

    static Problem revoked(String detail) {
        return new Problem(BASE + "api-key-revoked", "The API key was revoked", 401, detail, List.of());
    }

    static Problem unknownTenant(String detail) {
        return new Problem(BASE + "unknown-tenant", "The API key's tenant is not registered", 403, detail, List.of());
    }

    static Problem otherTenant(String detail, List<FieldError> errors) {
        return new Problem(
                BASE + "tenant-mismatch", "The job names another tenant than the API key's", 403, detail, errors);
    }

    /** 409: an idempotency key this instance took with another job, each such job's key listed in {@code errors}. */
    static Problem idempotencyConflict(String detail, List<FieldError> errors) {
        return new Problem(
                BASE + "idempotency-key-conflict", "The idempotency key was used for another job", 409, detail, errors);
    }

    /** 409: feedback on a job that has not ended, so has no answer to judge yet. */
    static Problem jobNotEnded(String detail) {
        return new Problem(BASE + "job-not-ended", "The job has no result yet", 409, detail, List.of());
    }

    static Problem tooManyRequests(String detail) {
        return new Problem(BASE + "rate-limited", "Too many requests for the tenant", 429, detail, List.of());
    }

    static Problem notReady() {
        return new Problem(
                BASE + "not-ready",
                "Still starting",
                503,
                "ingest-service is still reading API keys and tenants; retry in a moment",
                List.of());
    }
}
