package dev.sluice.router;

import dev.sluice.model.LlmRequest;
import dev.sluice.model.Message;
import dev.sluice.model.ResponseFormat;
import dev.sluice.model.Role;
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
 * A job's experiment assignments ({@code sluice.experiment.*} metadata) are part of it too, so one
 * arm of an experiment never takes another's answer, at no cost, and skews its figures.
 *
 * <p>The semantic cache's scope is the same digest without the task (the user and assistant
 * turns), with the embedding model instead: two requests are compared by meaning only when
 * everything else is equal, the system prompt word for word. A change of the tenant's model chain
 * changes the scope, so answers of the old chain are never found again (they expire).
 */
final class CacheKeys {
    private static final String EXPERIMENT_PREFIX = dev.sluice.model.TenantConfig.experimentKey("");

    private CacheKeys() {}

    static String of(String tenantId, List<String> chain, LlmRequest r) {
        return digest(tenantId, "v1", chain, r, m -> true);
    }

    static String semanticScope(String tenantId, List<String> chain, LlmRequest r, String embedder) {
        return digest(tenantId, "semantic-v1 " + embedder, chain, r, m -> m.role() == Role.SYSTEM);
    }

    /** What the semantic cache compares: the user and assistant turns, each on its own line. */
    static String taskText(LlmRequest r) {
        List<Message> turns =
                r.messages().stream().filter(m -> m.role() != Role.SYSTEM).toList();
        if (turns.size() == 1) {
            return turns.getFirst().content();
        }
        StringBuilder text = new StringBuilder();
        for (Message m : turns) {
            text.append(m.role().name().toLowerCase(java.util.Locale.ROOT))
                    .append(": ")
                    .append(m.content())
                    .append('\n');
        }
        return text.toString();
    }

    private static String digest(
            String tenantId,
            String version,
            List<String> chain,
            LlmRequest r,
            java.util.function.Predicate<Message> messages) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            add(digest, version);
            add(digest, String.join(",", chain));
            for (Message m : r.messages()) {
                if (messages.test(m)) {
                    add(digest, m.role().name());
                    add(digest, m.content());
                }
            }
            add(digest, Integer.toString(r.maxOutputTokens()));
            add(digest, r.temperature() == null ? "default" : Double.toString(r.temperature()));
            ResponseFormat f = r.responseFormat() == null ? ResponseFormat.TEXT : r.responseFormat();
            add(digest, f.type().name());
            add(digest, f.jsonSchema() == null ? "" : f.jsonSchema());
            add(digest, f.schemaName() == null ? "" : f.schemaName());
            // An experiment's arms keep their answers apart, whatever they change; a request in no
            // experiment adds nothing here, so its key is as before experiments.
            new java.util.TreeMap<>(r.metadata()).forEach((k, v) -> {
                if (k.startsWith(EXPERIMENT_PREFIX)) {
                    add(digest, k);
                    add(digest, v);
                }
            });
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
