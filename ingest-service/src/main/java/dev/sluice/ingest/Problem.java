package dev.sluice.ingest;

import java.util.List;

/**
 * An RFC 9457 problem answer ({@code application/problem+json}): a stable type URI, a status, a
 * detail sentence, and one entry per invalid field so a client can fix them all in one go.
 */
public record Problem(String type, String title, int status, String detail, List<FieldError> errors) {
    static final String BASE = "https://sluice.dev/problems/";

    record FieldError(String field, String message) {
    }

    static Problem invalid(List<FieldError> errors) {
        return new Problem(BASE + "invalid-request", "The request is not valid", 400,
                errors.size() + " field" + (errors.size() == 1 ? " is" : "s are") + " invalid", errors);
    }

    static Problem malformed(String detail) {
        return new Problem(BASE + "malformed-json", "The body is not valid JSON", 400, detail, List.of());
    }

    static Problem tooLarge(int limit) {
        return new Problem(BASE + "body-too-large", "The body is too large", 413,
                "The body exceeds the limit of " + limit + " bytes", List.of());
    }

    static Problem unavailable(String detail) {
        return new Problem(BASE + "unavailable", "The request could not be stored", 503, detail, List.of());
    }

    public static Problem notFound(String detail) {
        return new Problem(BASE + "not-found", "No such resource", 404, detail, List.of());
    }

    public static Problem statusUnavailable(String detail) {
        return new Problem(BASE + "status-unavailable", "Job status is unavailable for now", 503, detail, List.of());
    }

    static Problem unsupportedMediaType(String got) {
        return new Problem(BASE + "unsupported-media-type", "Send application/json", 415,
                "Content-Type is '" + got + "'; send the job as application/json", List.of());
    }
}
