package dev.sluice.router;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.model.InjectionPolicy;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.Message;
import dev.sluice.model.ResponseFormat;
import dev.sluice.model.TenantConfig;
import dev.sluice.model.Tier;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.requests.RequestLimits;
import dev.sluice.runtime.tokens.TokenCounter;
import java.util.Optional;
import java.util.function.Function;

/**
 * Checks a decoded request against the basics and its tenant's policy before anything is spent
 * on it. The first failure found is reported, with a stable code from {@link Reasons} and a
 * sentence saying what to change. Input tokens are counted here (the tenant's limit needs them)
 * and passed on, so they are counted once.
 */
final class Validator {
    static final int MAX_OUTPUT_TOKENS_LIMIT = 1_000_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ModelCatalogue catalogue;
    private final Function<String, Optional<TenantConfig>> tenants;
    private final int maxMessageChars;
    private final RequestLimits limits;
    private final InjectionDetector injection = new InjectionDetector();

    Validator(
            ModelCatalogue catalogue,
            Function<String, Optional<TenantConfig>> tenants,
            int maxMessageChars,
            RequestLimits limits) {
        this.catalogue = catalogue;
        this.tenants = tenants;
        this.maxMessageChars = maxMessageChars;
        this.limits = limits;
    }

    Verdict check(LlmRequest r, long now) {
        return check(r, null, now);
    }

    /**
     * @param claimedTenant the tenant a request on another tenant's own topic named (the screen
     *     made it that topic tenant's), or null; such a request is refused first, as the topic's
     */
    Verdict check(LlmRequest r, String claimedTenant, long now) {
        if (claimedTenant != null) {
            // Answered to the topic's tenant, whose producer wrote it, never to the tenant it names.
            return Verdict.reject(
                    r,
                    Reasons.TENANT_MISMATCH,
                    "the request names tenant '" + claimedTenant
                            + "' but came on tenant '" + r.tenantId()
                            + "''s own request topic; a tenant's topic takes only"
                            + " its own requests");
        }
        if (r.requestId().isBlank()) {
            return Verdict.reject(r, Reasons.REQUEST_ID_MISSING, "requestId is empty; give every request a unique id");
        }
        if (r.tenantId().isBlank()) {
            return Verdict.reject(r, Reasons.TENANT_MISSING, "tenantId is empty");
        }
        RequestLimits.Violation size = limits.check(r);
        if (size != null) {
            // Refused before anything is built from it; its result carries none of its bulk.
            return Verdict.reject(lean(r), size.code(), size.message());
        }
        Optional<TenantConfig> found = tenants.apply(r.tenantId());
        if (found.isEmpty()) {
            return Verdict.reject(
                    r,
                    Reasons.TENANT_UNKNOWN,
                    "tenant " + r.tenantId() + " is not configured; add it with `sluice tenants put`");
        }
        TenantConfig t = found.get();
        if (t.paused()) {
            // Refused rather than held: holding would need state for every waiting request, and a
            // paused tenant's producers learn at once why nothing runs.
            return Verdict.reject(
                    r,
                    Reasons.TENANT_PAUSED,
                    "tenant " + t.tenantId() + " is paused by an operator;"
                            + " its new requests are refused until `sluice tenants resume " + t.tenantId() + "`");
        }
        Verdict shape = checkShape(r);
        if (shape != null) {
            return shape;
        }
        Verdict policy = checkPolicy(r, t);
        if (policy != null) {
            return policy;
        }
        if (r.deadline() != null) {
            if (!r.deadline().isAfter(r.createdAt())) {
                return Verdict.reject(
                        r,
                        Reasons.DEADLINE_PASSED,
                        "deadline " + r.deadline() + " is not after createdAt " + r.createdAt());
            }
            if (r.deadline().toEpochMilli() <= now) {
                return Verdict.expire(
                        r,
                        Reasons.DEADLINE_PASSED,
                        "deadline " + r.deadline() + " passed before the request could be routed");
            }
        }
        int tokens = TokenCounter.chatTokens(r.messages());
        Integer limit = t.limits().maxInputTokens();
        if (limit != null && tokens > limit) {
            return Verdict.reject(
                    r,
                    Reasons.INPUT_TOO_LONG,
                    "input is about " + tokens + " tokens; tenant " + t.tenantId() + " accepts at most " + limit);
        }
        boolean flagged = false;
        if (t.guardrails().injection() != InjectionPolicy.OFF) {
            Optional<String> suspicious = injection.find(r.messages());
            if (suspicious.isPresent()) {
                if (t.guardrails().injection() == InjectionPolicy.BLOCK) {
                    return Verdict.reject(
                            r,
                            Reasons.INJECTION_SUSPECTED,
                            "the input contains \"" + abbreviate(suspicious.get())
                                    + "\", which looks like a prompt-injection attempt");
                }
                flagged = true;
            }
        }
        return Verdict.accept(r, t, tokens, flagged);
    }

    private Verdict checkShape(LlmRequest r) {
        if (r.messages().isEmpty()) {
            return Verdict.reject(r, Reasons.EMPTY_MESSAGES, "messages is empty; send at least one message");
        }
        if (r.messages().stream().map(Message::content).allMatch(String::isBlank)) {
            return Verdict.reject(r, Reasons.EMPTY_MESSAGES, "every message's content is blank");
        }
        for (int i = 0; i < r.messages().size(); i++) {
            int length = r.messages().get(i).content().length();
            if (length > maxMessageChars) {
                return Verdict.reject(
                        r,
                        Reasons.MESSAGE_TOO_LARGE,
                        "message " + i + " has " + length + " characters; the limit is " + maxMessageChars);
            }
        }
        if (r.maxOutputTokens() < 1 || r.maxOutputTokens() > MAX_OUTPUT_TOKENS_LIMIT) {
            return Verdict.reject(
                    r,
                    Reasons.INVALID_MAX_OUTPUT_TOKENS,
                    "maxOutputTokens is " + r.maxOutputTokens() + "; it must be between 1 and "
                            + MAX_OUTPUT_TOKENS_LIMIT);
        }
        Double temperature = r.temperature();
        if (temperature != null && (temperature.isNaN() || temperature < 0 || temperature > 2)) {
            return Verdict.reject(
                    r, Reasons.INVALID_TEMPERATURE, "temperature is " + temperature + "; it must be between 0 and 2");
        }
        return checkFormat(r);
    }

    private Verdict checkPolicy(LlmRequest r, TenantConfig t) {
        if (r.model() != null) {
            if (catalogue.model(r.model()).isEmpty()) {
                return Verdict.reject(
                        r,
                        Reasons.MODEL_UNKNOWN,
                        "model " + r.model() + " is not in the model catalogue; name a catalogue model or use a tier");
            }
            if (!t.allowedModels().isEmpty() && !t.allowedModels().contains(r.model())) {
                return Verdict.reject(
                        r,
                        Reasons.MODEL_NOT_ALLOWED,
                        "model " + r.model() + " is not among tenant " + t.tenantId() + "'s models "
                                + t.allowedModels());
            }
        }
        if (r.tier() != null
                && r.tier() != Tier.AUTO
                && !t.allowedTiers().isEmpty()
                && !t.allowedTiers().contains(r.tier())) {
            return Verdict.reject(
                    r,
                    Reasons.TIER_NOT_ALLOWED,
                    "tier " + r.tier() + " is not among tenant " + t.tenantId() + "'s tiers " + t.allowedTiers());
        }
        if (r.webhook() != null && !t.webhooks().endpoints().contains(r.webhook())) {
            return Verdict.reject(
                    r,
                    Reasons.WEBHOOK_NOT_ALLOWED,
                    "webhook " + r.webhook() + " is not one of tenant " + t.tenantId() + "'s endpoints");
        }
        return null;
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
            return Verdict.reject(
                    r, Reasons.INVALID_RESPONSE_FORMAT, "jsonSchema is not valid JSON: " + e.getOriginalMessage());
        }
        if (f.schemaName() != null && !f.schemaName().matches("[a-zA-Z0-9_-]{1,64}")) {
            return Verdict.reject(r, Reasons.INVALID_RESPONSE_FORMAT, "schemaName must match [a-zA-Z0-9_-]{1,64}");
        }
        return null;
    }

    /**
     * The request as far as its refusal needs it: no messages or metadata, and no identifier or
     * webhook too long to be one, so that the REJECTED result is small whatever the request was.
     */
    static LlmRequest lean(LlmRequest r) {
        String key = RequestLimits.idTooLong(r.idempotencyKey()) ? null : r.idempotencyKey();
        String webhook =
                r.webhook() != null && r.webhook().length() > RequestLimits.MAX_WEBHOOK_CHARS ? null : r.webhook();
        return new LlmRequest(
                r.requestId(),
                r.tenantId(),
                key,
                null,
                r.priority(),
                r.deadline(),
                null,
                r.tier(),
                java.util.List.of(),
                r.maxOutputTokens(),
                r.temperature(),
                null,
                webhook,
                java.util.Map.of(),
                r.createdAt());
    }

    /** The request as another tenant's, without the webhook it named: its result goes to that tenant's own. */
    static LlmRequest as(LlmRequest r, String tenantId) {
        return new LlmRequest(
                r.requestId(),
                tenantId,
                r.idempotencyKey(),
                r.userId(),
                r.priority(),
                r.deadline(),
                r.model(),
                r.tier(),
                r.messages(),
                r.maxOutputTokens(),
                r.temperature(),
                r.responseFormat(),
                null,
                r.metadata(),
                r.createdAt());
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
