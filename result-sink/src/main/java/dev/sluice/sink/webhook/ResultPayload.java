package dev.sluice.sink.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.model.Attempt;
import dev.sluice.model.LlmResult;
import java.time.Instant;
import java.util.Locale;

/**
 * The JSON body of a result webhook: {@code {"type": "llm.result.<status>", "timestamp": ...,
 * "data": {...}}}, the envelope Standard Webhooks recommends. Parsed JSON output is embedded as
 * JSON, not as a string. Money stays integer micro-dollars.
 */
public final class ResultPayload {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ResultPayload() {}

    public static String eventType(LlmResult r) {
        return "llm.result." + r.status().name().toLowerCase(Locale.ROOT);
    }

    public static String json(LlmResult r) {
        ObjectNode root = JSON.createObjectNode();
        root.put("type", eventType(r));
        root.put("timestamp", r.completedAt().toString());
        ObjectNode d = root.putObject("data");
        d.put("requestId", r.requestId());
        d.put("tenantId", r.tenantId());
        d.put("idempotencyKey", r.idempotencyKey());
        d.put("status", r.status().name());
        if (r.error() == null) {
            d.putNull("error");
        } else {
            d.putObject("error")
                    .put("code", r.error().code())
                    .put("message", r.error().message())
                    .put("retryable", r.error().retryable());
        }
        d.put("output", r.output());
        if (r.outputJson() == null) {
            d.putNull("outputJson");
        } else {
            try {
                d.set("outputJson", JSON.readTree(r.outputJson()));
            } catch (JsonProcessingException e) {
                d.put("outputJson", r.outputJson());
            }
        }
        d.put("finishReason", r.finishReason());
        d.put("provider", r.provider());
        d.put("model", r.model());
        ArrayNode attempts = d.putArray("attempts");
        for (Attempt a : r.attempts()) {
            ObjectNode n = attempts.addObject()
                    .put("provider", a.provider())
                    .put("model", a.model())
                    .put("outcome", a.outcome())
                    .put("latencyMs", a.latencyMs())
                    .put("startedAt", a.startedAt().toString());
            if (a.httpStatus() != null) {
                n.put("httpStatus", a.httpStatus());
            }
        }
        d.putObject("usage")
                .put("inputTokens", r.usage().inputTokens())
                .put("outputTokens", r.usage().outputTokens())
                .put("cachedInputTokens", r.usage().cachedInputTokens())
                .put("cacheWriteTokens", r.usage().cacheWriteTokens());
        d.put("costMicros", r.costMicros());
        d.put("cacheHit", r.cacheHit().name());
        d.put("batch", r.batch());
        d.put("variant", r.variant());
        d.put("duplicateOf", r.duplicateOf());
        d.put("injectionFlagged", r.injectionFlagged());
        d.put("createdAt", iso(r.createdAt()));
        d.put("routedAt", iso(r.routedAt()));
        d.put("startedAt", iso(r.startedAt()));
        d.put("completedAt", iso(r.completedAt()));
        ObjectNode meta = d.putObject("metadata");
        r.metadata().forEach(meta::put);
        return root.toString();
    }

    private static String iso(Instant t) {
        return t == null ? null : t.toString();
    }
}
