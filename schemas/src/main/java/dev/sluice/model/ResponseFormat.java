package dev.sluice.model;

import java.util.Objects;

/** The output format a caller asks for; {@code jsonSchema} is JSON text, set for JSON_SCHEMA. */
public record ResponseFormat(Type type, String jsonSchema, String schemaName) {
    public enum Type {
        TEXT,
        JSON,
        JSON_SCHEMA
    }

    public static final ResponseFormat TEXT = new ResponseFormat(Type.TEXT, null, null);

    public ResponseFormat {
        Objects.requireNonNull(type, "type");
    }
}
