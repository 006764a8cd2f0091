package dev.sluice.router.semantic;

import java.nio.ByteBuffer;
import java.util.Base64;

/**
 * One answered request the semantic cache can match, as its store (and changelog) keeps it, under
 * the exact-cache key of that request: the answer itself stays in the exact cache, so an entry
 * whose answer is gone (expired, or never came) matches nothing.
 *
 * @param tenantId the tenant it belongs to; a lookup of another tenant never reads it
 * @param scope    tenant, model chain, system prompt, parameters and embedding model: only a request of
 *                 the same scope is compared with it
 * @param requestId the request whose answer it is, for logs
 * @param text     the task text that was embedded (the non-system turns)
 * @param vector   its embedding, little-endian floats in base64 (half the size of a JSON array)
 */
public record SemanticEntry(String tenantId, String scope, String requestId, String text, String vector) {

    static SemanticEntry of(SemanticQuery q, String requestId) {
        ByteBuffer bytes = ByteBuffer.allocate(q.vector().length * Float.BYTES).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float f : q.vector()) {
            bytes.putFloat(f);
        }
        return new SemanticEntry(
                q.tenantId(),
                q.scope(),
                requestId,
                q.text(),
                Base64.getEncoder().encodeToString(bytes.array()));
    }

    float[] floats() {
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(vector)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[bytes.remaining() / Float.BYTES];
        for (int i = 0; i < out.length; i++) {
            out[i] = bytes.getFloat();
        }
        return out;
    }
}
