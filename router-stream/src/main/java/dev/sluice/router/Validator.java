package dev.sluice.router;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.Message;
import dev.sluice.model.ResponseFormat;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import java.time.Clock;

/**
 * Checks a decoded request before anything is spent on it. Each failure names a stable code from
 * {@link Reasons} and says what to change; the first failure found is reported.
 */
final class Validator {
    static final int MAX_OUTPUT_TOKENS_LIMIT = 1_000_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ModelCatalogue catalogue;
    private final Clock clock;

    Validator(ModelCatalogue catalogue, Clock clock) {
        this.catalogue = catalogue;
        this.clock = clock;
    }

    Verdict check(LlmRequest r) {
        if (r.requestId().isBlank()) {
            return Verdict.reject(r, Reasons.REQUEST_ID_MISSING, "requestId is empty; give every request a unique id");
        }
        if (r.tenantId().isBlank()) {
            return Verdict.reject(r, Reasons.TENANT_MISSING, "tenantId is empty");
        }
        if (r.messages().isEmpty()) {
            return Verdict.reject(r, Reasons.EMPTY_MESSAGES, "messages is empty; send at least one message");
        }
        if (r.messages().stream().map(Message::content).allMatch(String::isBlank)) {
            return Verdict.reject(r, Reasons.EMPTY_MESSAGES, "every message's content is blank");
        }
        if (r.maxOutputTokens() < 1 || r.maxOutputTokens() > MAX_OUTPUT_TOKENS_LIMIT) {
            return Verdict.reject(r, Reasons.INVALID_MAX_OUTPUT_TOKENS, "maxOutputTokens is " + r.maxOutputTokens()
                    + "; it must be between 1 and " + MAX_OUTPUT_TOKENS_LIMIT);
        }
        Double t = r.temperature();
        if (t != null && (t.isNaN() || t < 0 || t > 2)) {
            return Verdict.reject(r, Reasons.INVALID_TEMPERATURE, "temperature is " + t + "; it must be between 0 and 2");
        }
        Verdict format = checkFormat(r);
        if (format != null) {
            return format;
        }
        if (r.model() != null && catalogue.model(r.model()).isEmpty()) {
            return Verdict.reject(r, Reasons.MODEL_UNKNOWN, "model " + r.model()
                    + " is not in the model catalogue; name a catalogue model or use a tier");
        }
        if (r.deadline() != null) {
            if (!r.deadline().isAfter(r.createdAt())) {
                return Verdict.reject(r, Reasons.DEADLINE_PASSED, "deadline " + r.deadline()
                        + " is not after createdAt " + r.createdAt());
            }
            if (!r.deadline().isAfter(clock.instant())) {
                return Verdict.expire(r, Reasons.DEADLINE_PASSED, "deadline " + r.deadline()
                        + " passed before the request could be routed");
            }
        }
        return Verdict.accept(r);
    }

    private static Verdict checkFormat(LlmRequest r) {
        ResponseFormat f = r.responseFormat();
        if (f == null || f.type() != ResponseFormat.Type.JSON_SCHEMA) {
            return null;
        }
        if (f.jsonSchema() == null || f.jsonSchema().isBlank()) {
            return Verdict.reject(r, Reasons.INVALID_RESPONSE_FORMAT, "responseFormat JSON_SCHEMA needs jsonSchema");
        }
        try {
            if (!JSON.readTree(f.jsonSchema()).isObject()) {
                return Verdict.reject(r, Reasons.INVALID_RESPONSE_FORMAT, "jsonSchema must be a JSON object");
            }
        } catch (JsonProcessingException e) {
            return Verdict.reject(r, Reasons.INVALID_RESPONSE_FORMAT, "jsonSchema is not valid JSON: "
                    + e.getOriginalMessage());
        }
        if (f.schemaName() != null && !f.schemaName().matches("[a-zA-Z0-9_-]{1,64}")) {
            return Verdict.reject(r, Reasons.INVALID_RESPONSE_FORMAT,
                    "schemaName must match [a-zA-Z0-9_-]{1,64}");
        }
        return null;
    }
}
