package dev.sluice.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.Message;
import dev.sluice.model.Priority;
import dev.sluice.model.ResponseFormat;
import dev.sluice.model.Role;
import dev.sluice.model.Tier;
import java.net.URI;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns the JSON body of {@code POST /v1/jobs} into a request, checking every field and reporting
 * every problem at once. Unknown fields are errors, so a misspelt field never silently becomes a
 * default. A missing tenantId is the caller's (the API key's); one that names another tenant is
 * kept, for the handler to refuse with 403. The semantic checks that need tenant policy happen
 * later, in the router.
 */
final class JobRequestParser {
    static final Pattern TENANT_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    static final Set<String> FIELDS = Set.of(
            "tenantId",
            "messages",
            "model",
            "tier",
            "priority",
            "maxOutputTokens",
            "temperature",
            "responseFormat",
            "webhook",
            "metadata",
            "deadline",
            "userId",
            "idempotencyKey");

    record Parsed(LlmRequest request, List<Problem.FieldError> errors) {}

    static Parsed parse(JsonNode body, String requestId, String idempotencyHeader, Instant now, String callerTenant) {
        List<Problem.FieldError> errors = new ArrayList<>();
        if (!body.isObject()) {
            errors.add(new Problem.FieldError("", "the body must be a JSON object"));
            return new Parsed(null, errors);
        }
        body.fieldNames().forEachRemaining(f -> {
            if (!FIELDS.contains(f)) {
                errors.add(new Problem.FieldError(f, "unknown field"));
            }
        });
        String tenantId = text(body, "tenantId", errors);
        if (tenantId != null && !TENANT_ID.matcher(tenantId).matches()) {
            errors.add(new Problem.FieldError("tenantId", "must be 1-64 letters, digits, '.', '_' or '-'"));
        }
        if (tenantId == null) {
            tenantId = callerTenant;
        }
        List<Message> messages = messages(body.get("messages"), errors);
        String model = text(body, "model", errors);
        Tier tier = enumValue(body, "tier", Tier.class, null, errors);
        Priority priority = enumValue(body, "priority", Priority.class, Priority.NORMAL, errors);
        int maxOutputTokens = LlmRequest.DEFAULT_MAX_OUTPUT_TOKENS;
        JsonNode mot = body.get("maxOutputTokens");
        if (mot != null && !mot.isNull()) {
            if (!mot.canConvertToInt() || !mot.isIntegralNumber() || mot.asInt() < 1 || mot.asInt() > 1_000_000) {
                errors.add(new Problem.FieldError("maxOutputTokens", "must be a whole number from 1 to 1000000"));
            } else {
                maxOutputTokens = mot.asInt();
            }
        }
        Double temperature = null;
        JsonNode t = body.get("temperature");
        if (t != null && !t.isNull()) {
            if (!t.isNumber() || t.asDouble() < 0 || t.asDouble() > 2) {
                errors.add(new Problem.FieldError("temperature", "must be a number from 0 to 2"));
            } else {
                temperature = t.asDouble();
            }
        }
        ResponseFormat format = responseFormat(body.get("responseFormat"), errors);
        String webhook = text(body, "webhook", errors);
        if (webhook != null && !isHttpUrl(webhook)) {
            errors.add(new Problem.FieldError("webhook", "must be an absolute http(s) URL"));
        }
        Map<String, String> metadata = metadata(body.get("metadata"), errors);
        Instant deadline = null;
        String d = text(body, "deadline", errors);
        if (d != null) {
            try {
                deadline = Instant.parse(d);
            } catch (DateTimeParseException e) {
                errors.add(
                        new Problem.FieldError("deadline", "must be an ISO-8601 instant, e.g. 2026-11-23T09:00:00Z"));
            }
        }
        String userId = text(body, "userId", errors);
        String idempotencyKey = text(body, "idempotencyKey", errors);
        if (idempotencyHeader != null && !idempotencyHeader.isBlank()) {
            if (idempotencyKey != null && !idempotencyKey.equals(idempotencyHeader)) {
                errors.add(new Problem.FieldError("idempotencyKey", "differs from the Idempotency-Key header"));
            }
            idempotencyKey = idempotencyHeader.strip();
        }
        if (idempotencyKey != null && idempotencyKey.length() > 255) {
            errors.add(new Problem.FieldError("idempotencyKey", "must be at most 255 characters"));
        }
        if (!errors.isEmpty()) {
            return new Parsed(null, errors);
        }
        return new Parsed(
                new LlmRequest(
                        requestId,
                        tenantId,
                        idempotencyKey,
                        userId,
                        priority,
                        deadline,
                        model,
                        tier,
                        messages,
                        maxOutputTokens,
                        temperature,
                        format,
                        webhook,
                        metadata,
                        now),
                errors);
    }

    private static String text(JsonNode body, String field, List<Problem.FieldError> errors) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual() || n.asText().isBlank()) {
            errors.add(new Problem.FieldError(field, "must be a non-empty string"));
            return null;
        }
        return n.asText();
    }

    private static <E extends Enum<E>> E enumValue(
            JsonNode body, String field, Class<E> type, E fallback, List<Problem.FieldError> errors) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return fallback;
        }
        try {
            return Enum.valueOf(type, n.asText().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            errors.add(new Problem.FieldError(field, "must be one of " + List.of(type.getEnumConstants())));
            return fallback;
        }
    }

    private static List<Message> messages(JsonNode n, List<Problem.FieldError> errors) {
        List<Message> out = new ArrayList<>();
        if (n == null || n.isNull()) {
            errors.add(new Problem.FieldError("messages", "is required"));
            return out;
        }
        if (!n.isArray() || n.isEmpty()) {
            errors.add(new Problem.FieldError("messages", "must be a non-empty array"));
            return out;
        }
        for (int i = 0; i < n.size(); i++) {
            JsonNode m = n.get(i);
            String at = "messages[" + i + "]";
            if (!m.isObject()) {
                errors.add(new Problem.FieldError(at, "must be an object with role and content"));
                continue;
            }
            Role role = null;
            try {
                role = Role.valueOf(m.path("role").asText("").toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                errors.add(new Problem.FieldError(at + ".role", "must be system, user or assistant"));
            }
            JsonNode content = m.get("content");
            if (content == null || !content.isTextual()) {
                errors.add(new Problem.FieldError(at + ".content", "must be a string"));
            }
            JsonNode cacheable = m.get("cacheable");
            if (cacheable != null && !cacheable.isBoolean()) {
                errors.add(new Problem.FieldError(at + ".cacheable", "must be true or false"));
            }
            if (role != null && content != null && content.isTextual()) {
                out.add(new Message(role, content.asText(), cacheable != null && cacheable.asBoolean()));
            }
        }
        return out;
    }

    private static ResponseFormat responseFormat(JsonNode n, List<Problem.FieldError> errors) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject()) {
            errors.add(new Problem.FieldError("responseFormat", "must be an object with a type"));
            return null;
        }
        ResponseFormat.Type type;
        try {
            type = ResponseFormat.Type.valueOf(n.path("type").asText("").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            errors.add(new Problem.FieldError("responseFormat.type", "must be TEXT, JSON or JSON_SCHEMA"));
            return null;
        }
        JsonNode schema = n.get("schema");
        String name = n.path("name").isTextual() ? n.path("name").asText() : null;
        if (type == ResponseFormat.Type.JSON_SCHEMA && (schema == null || !schema.isObject())) {
            errors.add(new Problem.FieldError("responseFormat.schema", "must be a JSON Schema object for JSON_SCHEMA"));
            return null;
        }
        return new ResponseFormat(type, schema == null || schema.isNull() ? null : schema.toString(), name);
    }

    private static Map<String, String> metadata(JsonNode n, List<Problem.FieldError> errors) {
        Map<String, String> out = new LinkedHashMap<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isObject()) {
            errors.add(new Problem.FieldError("metadata", "must be an object of string values"));
            return out;
        }
        n.properties().forEach(e -> {
            if (!e.getValue().isTextual()) {
                errors.add(new Problem.FieldError("metadata." + e.getKey(), "must be a string"));
            } else {
                out.put(e.getKey(), e.getValue().asText());
            }
        });
        return out;
    }

    private static boolean isHttpUrl(String s) {
        try {
            URI uri = URI.create(s);
            return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
