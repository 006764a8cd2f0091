package dev.sluice.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.Random;

/**
 * JSON content for {@code response_format} json_object and json_schema. Covers the schemas
 * pipelines actually send (objects, arrays, scalars, enums, const, local $ref, anyOf/oneOf by
 * first branch) rather than all of JSON Schema; every property is emitted, which satisfies both
 * {@code required} and OpenAI's strict mode.
 */
final class StructuredOutput {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final int MAX_DEPTH = 8;

    private StructuredOutput() {}

    static String jsonObject(ObjectMapper json, Random random) {
        ObjectNode object = NODES.objectNode();
        object.put("response", TextGenerator.prose(random));
        object.put("confidence", round(random.nextDouble()));
        return write(json, object);
    }

    static String fromSchema(ObjectMapper json, JsonNode schema, Random random) {
        return write(json, value(schema, schema, random, 0));
    }

    private static JsonNode value(JsonNode schema, JsonNode root, Random random, int depth) {
        if (depth > MAX_DEPTH || schema == null || !schema.isObject()) {
            return NODES.nullNode();
        }
        if (schema.has("const")) {
            return schema.get("const");
        }
        JsonNode choices = schema.get("enum");
        if (choices != null && choices.isArray() && !choices.isEmpty()) {
            return choices.get(random.nextInt(choices.size()));
        }
        if (schema.has("$ref")) {
            return value(resolve(root, schema.get("$ref").asText()), root, random, depth + 1);
        }
        for (String union : new String[] {"anyOf", "oneOf", "allOf"}) {
            JsonNode branches = schema.get(union);
            if (branches != null && branches.isArray() && !branches.isEmpty()) {
                return value(firstNonNull(branches), root, random, depth + 1);
            }
        }
        return switch (type(schema)) {
            case "object" -> object(schema, root, random, depth);
            case "array" -> array(schema, root, random, depth);
            case "integer" -> NODES.numberNode(integer(schema, random));
            case "number" -> NODES.numberNode(number(schema, random));
            case "boolean" -> NODES.booleanNode(random.nextBoolean());
            case "null" -> NODES.nullNode();
            default -> NODES.textNode(string(schema, random));
        };
    }

    private static ObjectNode object(JsonNode schema, JsonNode root, Random random, int depth) {
        ObjectNode object = NODES.objectNode();
        JsonNode properties = schema.path("properties");
        properties.properties().forEach(p -> object.set(p.getKey(), value(p.getValue(), root, random, depth + 1)));
        return object;
    }

    private static ArrayNode array(JsonNode schema, JsonNode root, Random random, int depth) {
        int min = schema.path("minItems").asInt(1);
        int max = Math.max(min, schema.path("maxItems").asInt(Math.max(min, 3)));
        int count = min + random.nextInt(max - min + 1);
        ArrayNode array = NODES.arrayNode();
        for (int i = 0; i < count; i++) {
            array.add(value(schema.get("items"), root, random, depth + 1));
        }
        return array;
    }

    private static long integer(JsonNode schema, Random random) {
        long min = schema.path("minimum").asLong(0);
        long max = schema.path("maximum").asLong(Math.max(min, 100));
        return max <= min ? min : min + (long) (random.nextDouble() * (max - min + 1));
    }

    private static BigDecimal number(JsonNode schema, Random random) {
        double min = schema.path("minimum").asDouble(0);
        double max = schema.path("maximum").asDouble(Math.max(min, 100));
        return round(min + random.nextDouble() * (max - min)).max(BigDecimal.valueOf(min));
    }

    private static String string(JsonNode schema, Random random) {
        String format = schema.path("format").asText("");
        String text = switch (format) {
            case "date" ->
                LocalDate.of(2020, 1, 1).plusDays(random.nextInt(2000)).toString();
            case "date-time" -> LocalDate.of(2020, 1, 1).plusDays(random.nextInt(2000)) + "T12:00:00Z";
            case "email" -> TextGenerator.words(random, 1, 1) + "@example.com";
            case "uuid" -> new java.util.UUID(random.nextLong(), random.nextLong()).toString();
            default -> TextGenerator.words(random, 2, 6);
        };
        int maxLength = schema.path("maxLength").asInt(Integer.MAX_VALUE);
        return text.length() > maxLength ? text.substring(0, maxLength) : text;
    }

    private static String type(JsonNode schema) {
        JsonNode type = schema.get("type");
        if (type != null && type.isArray()) {
            for (JsonNode t : type) {
                if (!"null".equals(t.asText())) {
                    return t.asText();
                }
            }
            return "null";
        }
        if (type == null) {
            return schema.has("properties") ? "object" : schema.has("items") ? "array" : "string";
        }
        return type.asText();
    }

    private static JsonNode firstNonNull(JsonNode branches) {
        for (JsonNode branch : branches) {
            if (!"null".equals(branch.path("type").asText())) {
                return branch;
            }
        }
        return branches.get(0);
    }

    private static JsonNode resolve(JsonNode root, String ref) {
        if (!ref.startsWith("#")) {
            return null;
        }
        return ref.equals("#") ? root : root.at(ref.substring(1));
    }

    private static BigDecimal round(double value) {
        return BigDecimal.valueOf(value).setScale(2, RoundingMode.HALF_UP);
    }

    private static String write(ObjectMapper json, JsonNode node) {
        try {
            return json.writeValueAsString(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain nodes always serialises", e);
        }
    }
}
