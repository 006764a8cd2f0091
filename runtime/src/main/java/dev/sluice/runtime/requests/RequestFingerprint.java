package dev.sluice.runtime.requests;

import dev.sluice.model.LlmRequest;
import dev.sluice.model.Message;
import dev.sluice.model.ResponseFormat;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a request asks for, as SHA-256 hex: kept with an idempotency key so that the same key sent
 * again with a different body is told apart from a retry (Stripe's rule: same key and same
 * parameters is a retry; same key and other parameters is an error).
 *
 * <p>Covered: userId, priority, model, tier, every message (role, content, cacheable),
 * maxOutputTokens, temperature, response format, webhook and metadata. Not covered: requestId and
 * createdAt (each attempt has its own), the idempotency key itself, the tenant (the key is already
 * per tenant), and the deadline, which a client retrying "six hours from now" computes afresh on
 * every try. Every field is length-prefixed, so two different requests never hash one string.
 */
public final class RequestFingerprint {
    private static final String VERSION = "v1";

    private RequestFingerprint() {}

    public static String of(LlmRequest r) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        add(digest, VERSION);
        add(digest, r.userId());
        add(digest, r.priority().name());
        add(digest, r.model());
        add(digest, r.tier() == null ? null : r.tier().name());
        digest.update(ByteBuffer.allocate(4).putInt(r.messages().size()).array());
        for (Message m : r.messages()) {
            add(digest, m.role().name());
            add(digest, m.content());
            add(digest, m.cacheable() ? "1" : "0");
        }
        add(digest, Integer.toString(r.maxOutputTokens()));
        add(digest, r.temperature() == null ? null : Double.toString(r.temperature()));
        ResponseFormat f = r.responseFormat() == null ? ResponseFormat.TEXT : r.responseFormat();
        add(digest, f.type().name());
        add(digest, f.jsonSchema());
        add(digest, f.schemaName());
        add(digest, r.webhook());
        Map<String, String> metadata = new TreeMap<>(r.metadata());
        digest.update(ByteBuffer.allocate(4).putInt(metadata.size()).array());
        metadata.forEach((k, v) -> {
            add(digest, k);
            add(digest, v);
        });
        return HexFormat.of().formatHex(digest.digest());
    }

    /** A field, length-prefixed; null is -1 so that it differs from "". */
    private static void add(MessageDigest digest, String field) {
        if (field == null) {
            digest.update(ByteBuffer.allocate(4).putInt(-1).array());
            return;
        }
        byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
        digest.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
        digest.update(bytes);
    }
}
