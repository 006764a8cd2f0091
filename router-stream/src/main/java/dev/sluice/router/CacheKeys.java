package dev.sluice.router;

import dev.sluice.model.LlmRequest;
import dev.sluice.model.Message;
import dev.sluice.model.ResponseFormat;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The exact-cache key: SHA-256 over the model chain, every message (role, content) and the
 * parameters that change an answer (maxOutputTokens, temperature, response format), prefixed by
 * the tenant. The tenant is part of the key itself, so one tenant can never be served another's
 * result. Every field is length-prefixed, so two different requests cannot run into one string.
 */
final class CacheKeys {
    private CacheKeys() {
    }

    static String of(String tenantId, List<String> chain, LlmRequest r) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            add(digest, "v1");
            add(digest, String.join(",", chain));
            for (Message m : r.messages()) {
                add(digest, m.role().name());
                add(digest, m.content());
            }
            add(digest, Integer.toString(r.maxOutputTokens()));
            add(digest, r.temperature() == null ? "default" : Double.toString(r.temperature()));
            ResponseFormat f = r.responseFormat() == null ? ResponseFormat.TEXT : r.responseFormat();
            add(digest, f.type().name());
            add(digest, f.jsonSchema() == null ? "" : f.jsonSchema());
            add(digest, f.schemaName() == null ? "" : f.schemaName());
            return tenantId + ":" + HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static void add(MessageDigest digest, String field) {
        byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
        digest.update(java.nio.ByteBuffer.allocate(4).putInt(bytes.length).array());
        digest.update(bytes);
    }
}
