package dev.sluice.worker.guardrails;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.SpecVersionDetector;
import com.networknt.schema.ValidationMessage;
import dev.sluice.model.ResponseFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Whether model output is what the request's response format asked for: a JSON object for JSON
 * mode, and JSON valid against the request's schema for JSON-schema mode (the draft its
 * {@code $schema} names, else 2020-12), checked with the networknt validator. A fence around the
 * JSON (```json ... ```), which models add unasked, is tolerated.
 */
public final class JsonOutput {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_CACHED_SCHEMAS = 1_000;
    private static final int MAX_PROBLEMS = 5;
    private static final Map<String, JsonSchema> SCHEMAS = new ConcurrentHashMap<>();

    private JsonOutput() {}

    /** Null when {@code text} satisfies the format (or no JSON was asked for); else what is wrong. */
    public static String problem(ResponseFormat format, String text) {
        if (format == null || format.type() == ResponseFormat.Type.TEXT) {
            return null;
        }
        JsonNode node;
        try {
            node = JSON.readTree(unfenced(text));
        } catch (JsonProcessingException e) {
            return "the output is not JSON (" + e.getOriginalMessage() + ")";
        }
        if (node == null || node.isMissingNode()) {
            return "the output is empty, not JSON";
        }
        if (format.type() == ResponseFormat.Type.JSON) {
            return node.isObject() ? null : "the output is JSON but not an object";
        }
        Set<ValidationMessage> errors = schema(format.jsonSchema()).validate(node);
        if (errors.isEmpty()) {
            return null;
        }
        return "the output does not match the JSON schema: "
                + errors.stream()
                        .limit(MAX_PROBLEMS)
                        .map(ValidationMessage::getMessage)
                        .sorted()
                        .collect(Collectors.joining("; "))
                + (errors.size() > MAX_PROBLEMS ? "; and " + (errors.size() - MAX_PROBLEMS) + " more" : "");
    }

    /** The output as compact JSON when it parses, without a surrounding fence; else null. */
    public static String normalised(String text) {
        try {
            JsonNode node = JSON.readTree(unfenced(text));
            return node == null || node.isMissingNode() ? null : node.toString();
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    static String unfenced(String text) {
        String t = text == null ? "" : text.strip();
        if (t.startsWith("```") && t.endsWith("```") && t.length() >= 6) {
            int firstLine = t.indexOf('\n');
            return firstLine < 0
                    ? ""
                    : t.substring(firstLine + 1, t.length() - 3).strip();
        }
        return t;
    }

    private static JsonSchema schema(String schemaText) {
        JsonSchema cached = SCHEMAS.get(schemaText);
        if (cached != null) {
            return cached;
        }
        JsonNode node;
        try {
            node = JSON.readTree(schemaText);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("jsonSchema is not JSON; the router should have refused it", e);
        }
        SpecVersion.VersionFlag version =
                SpecVersionDetector.detectOptionalVersion(node, false).orElse(SpecVersion.VersionFlag.V202012);
        JsonSchema schema = JsonSchemaFactory.getInstance(version).getSchema(node);
        if (SCHEMAS.size() >= MAX_CACHED_SCHEMAS) {
            SCHEMAS.clear();
        }
        SCHEMAS.put(schemaText, schema);
        return schema;
    }
}
