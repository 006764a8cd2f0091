package dev.sluice.devstack.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/**
 * The JSON form of {@link LogEntry} keys and values. It follows the layout of Confluent's own
 * {@code _schemas} topic ({@code {"keytype":"SCHEMA","subject":..,"version":..,"magic":1}}), so the
 * topic reads familiarly in a console consumer. Keys are written with a fixed field order because
 * compaction compares key bytes: the same fact must always produce the same key.
 */
final class LogCodec {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LogCodec() {}

    static String key(LogEntry entry) {
        ObjectNode key = JSON.createObjectNode();
        switch (entry) {
            case LogEntry.SchemaVersion v -> schemaKey(key, v.subject(), v.version());
            case LogEntry.SchemaRemoved r -> schemaKey(key, r.subject(), r.version());
            case LogEntry.Config c ->
                key.put("keytype", "CONFIG").put("subject", c.subject()).put("magic", 0);
        }
        return key.toString();
    }

    private static void schemaKey(ObjectNode key, String subject, int version) {
        key.put("keytype", "SCHEMA")
                .put("subject", subject)
                .put("version", version)
                .put("magic", 1);
    }

    /** The record value, or null for a tombstone. */
    static String value(LogEntry entry) {
        return switch (entry) {
            case LogEntry.SchemaVersion v ->
                JSON.createObjectNode()
                        .put("subject", v.subject())
                        .put("version", v.version())
                        .put("id", v.id())
                        .put("schema", v.schema())
                        .put("deleted", v.deleted())
                        .toString();
            case LogEntry.SchemaRemoved r -> null;
            case LogEntry.Config c ->
                c.level() == null
                        ? null
                        : JSON.createObjectNode()
                                .put("compatibilityLevel", c.level().name())
                                .toString();
        };
    }

    /**
     * Decodes one record. Key types this registry does not write (Confluent's NOOP, MODE,
     * DELETE_SUBJECT...) are skipped rather than failing the start.
     */
    static Optional<LogEntry> decode(String key, String value) {
        try {
            JsonNode k = JSON.readTree(key);
            String subject = k.path("subject").isNull() || k.path("subject").isMissingNode()
                    ? null
                    : k.path("subject").asText();
            switch (k.path("keytype").asText()) {
                case "SCHEMA" -> {
                    int version = k.path("version").asInt();
                    if (value == null) {
                        return Optional.of(new LogEntry.SchemaRemoved(subject, version));
                    }
                    JsonNode v = JSON.readTree(value);
                    return Optional.of(new LogEntry.SchemaVersion(
                            subject,
                            version,
                            v.path("id").asInt(),
                            v.path("schema").asText(),
                            v.path("deleted").asBoolean(false)));
                }
                case "CONFIG" -> {
                    CompatibilityLevel level = value == null
                            ? null
                            : CompatibilityLevel.parse(JSON.readTree(value)
                                    .path("compatibilityLevel")
                                    .asText());
                    return Optional.of(new LogEntry.Config(subject, level));
                }
                default -> {
                    return Optional.empty();
                }
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "Unreadable record on the schemas topic (key " + key + "): " + e.getOriginalMessage(), e);
        }
    }
}
