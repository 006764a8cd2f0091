package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ingest-service's OpenAPI document held as a contract: every answer a test gets is checked
 * against what the document says its operation answers (status, required headers, media type,
 * body), and the document remembers which operations answered which statuses, so that a test can
 * ask what it never exercised. Schemas are validated as JSON Schema 2020-12 (what OpenAPI 3.1
 * uses) by the networknt validator, with the whole document loaded as one resource, so that each
 * {@code $ref} to {@code #/components/...} resolves as it would for any OpenAPI tool.
 */
final class OpenApiContract {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Where the document is said to live, so that its {@code $ref}s resolve inside it. */
    private static final String BASE = "https://sluice.dev/ingest/openapi.json";

    private static final String META_SCHEMA = "https://json-schema.org/draft/2020-12/schema";
    private static final Set<String> METHODS =
            Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    private static final Pattern TEMPLATE = Pattern.compile("\\{([^}]+)}");

    private final JsonNode doc;
    private final JsonSchemaFactory schemas;
    private final SchemaValidatorsConfig config =
            SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
    private final JsonSchema metaSchema;
    private final Map<String, Set<Integer>> answered = new ConcurrentHashMap<>();

    OpenApiContract(String document) throws Exception {
        this.doc = JSON.readTree(document);
        this.schemas = JsonSchemaFactory.getInstance(
                SpecVersion.VersionFlag.V202012, b -> b.schemaLoaders(l -> l.schemas(Map.of(BASE, document))));
        this.metaSchema = schemas.getSchema(SchemaLocation.of(META_SCHEMA), config);
    }

    JsonNode document() {
        return doc;
    }

    /** "METHOD path" of every operation the document lists, as IngestService.routes() names routes. */
    Set<String> operations() {
        Set<String> out = new TreeSet<>();
        doc.path("paths")
                .properties()
                .forEach(p -> p.getValue().fieldNames().forEachRemaining(m -> {
                    if (METHODS.contains(m)) {
                        out.add(m.toUpperCase(Locale.ROOT) + " " + p.getKey());
                    }
                }));
        return out;
    }

    /** The operation object of "METHOD path". */
    JsonNode operation(String operation) {
        String[] parts = operation.split(" ", 2);
        return doc.path("paths").path(parts[1]).path(parts[0].toLowerCase(Locale.ROOT));
    }

    /** What the document is not, as an OpenAPI 3.1 document; empty when it is well formed as far as checked. */
    List<String> structuralProblems() {
        List<String> problems = new ArrayList<>();
        if (!doc.path("openapi").asText().matches("3\\.1\\.\\d+")) {
            problems.add("openapi is not 3.1.x: " + doc.path("openapi"));
        }
        if (doc.path("info").path("title").asText().isBlank()
                || doc.path("info").path("version").asText().isBlank()) {
            problems.add("info needs a title and a version");
        }
        if (!doc.path("paths").isObject() || doc.path("paths").isEmpty()) {
            problems.add("paths is missing or empty");
        }
        Set<String> ids = new TreeSet<>();
        for (String op : operations()) {
            String path = op.split(" ", 2)[1];
            JsonNode operation = operation(op);
            if (!path.startsWith("/")) {
                problems.add(op + ": a path must start with /");
            }
            if (operation.has("operationId")
                    && !ids.add(operation.path("operationId").asText())) {
                problems.add(op + ": operationId " + operation.path("operationId") + " is not unique");
            }
            JsonNode responses = operation.path("responses");
            if (!responses.isObject() || responses.isEmpty()) {
                problems.add(op + ": no responses");
            }
            responses.properties().forEach(r -> {
                if (!r.getKey().matches("[1-5](\\d\\d|XX)|default")) {
                    problems.add(op + ": response key " + r.getKey() + " is not a status");
                }
                if (!resolve(r.getValue()).path("description").isTextual()) {
                    problems.add(op + " " + r.getKey() + ": a response needs a description");
                }
            });
            Matcher m = TEMPLATE.matcher(path);
            while (m.find()) {
                if (pathParameter(op, m.group(1)) == null) {
                    problems.add(op + ": no required path parameter '" + m.group(1) + "'");
                }
            }
            operation
                    .path("security")
                    .forEach(s -> s.fieldNames().forEachRemaining(name -> {
                        if (!doc.path("components").path("securitySchemes").has(name)) {
                            problems.add(op + ": unknown security scheme " + name);
                        }
                    }));
        }
        walk(doc, "", problems);
        return problems;
    }

    private JsonNode pathParameter(String op, String name) {
        JsonNode pathItem = doc.path("paths").path(op.split(" ", 2)[1]);
        for (JsonNode params :
                List.of(pathItem.path("parameters"), operation(op).path("parameters"))) {
            for (JsonNode p : params) {
                JsonNode param = resolve(p);
                if (param.path("in").asText().equals("path")
                        && param.path("name").asText().equals(name)
                        && param.path("required").asBoolean()) {
                    return param;
                }
            }
        }
        return null;
    }

    /** Every $ref resolves inside the document, and every schema is a valid JSON Schema 2020-12. */
    private void walk(JsonNode node, String pointer, List<String> problems) {
        if (node.isObject()) {
            JsonNode ref = node.get("$ref");
            if (ref != null
                    && (!ref.asText().startsWith("#/")
                            || doc.at(ref.asText().substring(1)).isMissingNode())) {
                problems.add(pointer + ": $ref " + ref.asText() + " does not resolve in the document");
            }
            if (pointer.matches(".*/(schema|components/schemas/[^/]+)")) {
                metaSchema
                        .validate(node)
                        .forEach(e -> problems.add(pointer + ": not a JSON Schema 2020-12: " + e.getMessage()));
            }
            node.properties().forEach(e -> walk(e.getValue(), pointer + "/" + escape(e.getKey()), problems));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                walk(node.get(i), pointer + "/" + i, problems);
            }
        }
    }

    /** A node, or the node its $ref points at. */
    JsonNode resolve(JsonNode node) {
        JsonNode n = node;
        while (n.has("$ref")) {
            n = doc.at(n.get("$ref").asText().substring(1));
        }
        return n;
    }

    /** The pointer {@code pointer} leads to once a $ref there (and any it leads to) is followed. */
    private String follow(String pointer) {
        String p = pointer;
        while (doc.at(p).has("$ref")) {
            p = doc.at(p).get("$ref").asText().substring(1);
        }
        return p;
    }

    /** Messages from validating {@code value} against the schema at {@code pointer} in the document. */
    Set<ValidationMessage> validate(String pointer, JsonNode value) {
        return schemas.getSchema(SchemaLocation.of(BASE + "#" + pointer), config)
                .validate(value);
    }

    /** Messages from validating a request body against the operation's documented application/json body. */
    Set<ValidationMessage> validateRequest(String operation, String body) throws Exception {
        return validate(pointer(operation) + "/requestBody/content/application~1json/schema", JSON.readTree(body));
    }

    /**
     * Asserts that {@code r}, the answer to {@code operation} ("METHOD path", or null for a request
     * no operation serves), is documented: its status, every required header with a valid value,
     * its media type, and a body valid against that media type's schema. Returns the body as JSON
     * (null for a non-JSON body).
     */
    JsonNode assertDocumented(String operation, HttpResponse<String> r) throws Exception {
        return assertDocumented(
                operation,
                r.request().method() + " " + r.request().uri().getPath(),
                r.statusCode(),
                name -> r.headers().firstValue(name),
                r.body());
    }

    /** As {@link #assertDocumented(String, HttpResponse)}, for an answer read off a raw socket. */
    JsonNode assertDocumented(String operation, RawHttp.Response r) throws Exception {
        return assertDocumented(operation, r.request(), r.status(), r::header, r.body());
    }

    private JsonNode assertDocumented(
            String operation,
            String request,
            int statusCode,
            Function<String, Optional<String>> headers,
            String content)
            throws Exception {
        String status = Integer.toString(statusCode);
        JsonNode responses = operation == null
                ? doc.path("x-unrouted-responses")
                : operation(operation).path("responses");
        String where = (operation == null ? "an unrouted request " + request : operation) + " answered " + status;
        assertThat(responses.has(status))
                .as(where + " (" + content + "), which the document does not list among "
                        + names(responses.fieldNames()))
                .isTrue();
        String responseAt = follow(
                (operation == null ? "/x-unrouted-responses" : pointer(operation) + "/responses") + "/" + status);
        JsonNode response = doc.at(responseAt);
        response.path("headers")
                .fieldNames()
                .forEachRemaining(h -> assertHeader(where, headers, h, follow(responseAt + "/headers/" + escape(h))));
        String mediaType =
                headers.apply("Content-Type").map(OpenApiContract::mediaType).orElse("");
        assertThat(response.path("content").has(mediaType))
                .as(where + " as '" + mediaType + "', which the document does not list among "
                        + names(response.path("content").fieldNames()))
                .isTrue();
        String schemaAt = responseAt + "/content/" + escape(mediaType) + "/schema";
        JsonNode body = mediaType.endsWith("json") ? JSON.readTree(content) : TextNode.valueOf(content);
        assertThat(validate(schemaAt, body))
                .as(where + ": the body " + content + " against " + schemaAt)
                .isEmpty();
        if (mediaType.equals("text/event-stream")) {
            assertEvents(where, content, responseAt + "/content/text~1event-stream/x-sse-events");
        }
        if (operation != null) {
            answered.computeIfAbsent(operation, k -> ConcurrentHashMap.newKeySet())
                    .add(statusCode);
        }
        return mediaType.endsWith("json") ? body : null;
    }

    private void assertHeader(String where, Function<String, Optional<String>> headers, String name, String pointer) {
        JsonNode header = doc.at(pointer);
        Optional<String> value = headers.apply(name);
        if (value.isEmpty()) {
            assertThat(header.path("required").asBoolean())
                    .as(where + " without the required header " + name)
                    .isFalse();
            return;
        }
        boolean integer = resolve(header.path("schema")).path("type").asText().equals("integer");
        assertThat(!integer || value.get().matches("\\d{1,9}"))
                .as(where + ": header " + name + " is not an integer: " + value.get())
                .isTrue();
        JsonNode typed = integer ? IntNode.valueOf(Integer.parseInt(value.get())) : TextNode.valueOf(value.get());
        assertThat(validate(pointer + "/schema", typed))
                .as(where + ": header " + name + ": " + value.get())
                .isEmpty();
    }

    /**
     * Each event of a server-sent event stream: a name listed in {@code x-sse-events}, data valid
     * against that event's schema, and ids counting from 1. Comment lines (": heartbeat") are skipped.
     */
    private void assertEvents(String where, String stream, String eventsAt) throws Exception {
        JsonNode events = doc.at(eventsAt);
        assertThat(events.isObject())
                .as(where + ": the event stream names no events at " + eventsAt)
                .isTrue();
        int count = 0;
        for (String block : stream.split("\n\n")) {
            Map<String, String> fields = new HashMap<>();
            block.lines()
                    .filter(l -> !l.startsWith(":") && l.contains(":"))
                    .forEach(l -> fields.put(
                            l.substring(0, l.indexOf(':')),
                            l.substring(l.indexOf(':') + 1).stripLeading()));
            if (fields.isEmpty()) {
                continue;
            }
            count++;
            String name = fields.getOrDefault("event", "message");
            assertThat(events.has(name))
                    .as(where + ": event '" + name + "' is not documented")
                    .isTrue();
            assertThat(fields.get("id")).as(where + ": event id").isEqualTo(Integer.toString(count));
            assertThat(validate(eventsAt + "/" + escape(name), JSON.readTree(fields.get("data"))))
                    .as(where + ": event data " + fields.get("data"))
                    .isEmpty();
        }
        assertThat(count).as(where + ": events in the stream").isPositive();
    }

    /** "METHOD path: status" of every documented 2xx answer no test has got. */
    List<String> unexercisedSuccesses() {
        List<String> out = new ArrayList<>();
        for (String op : operations()) {
            operation(op).path("responses").fieldNames().forEachRemaining(status -> {
                if (status.startsWith("2")
                        && !answered.getOrDefault(op, Set.of()).contains(Integer.parseInt(status))) {
                    out.add(op + ": " + status);
                }
            });
        }
        return out;
    }

    private static String pointer(String operation) {
        String[] parts = operation.split(" ", 2);
        return "/paths/" + escape(parts[1]) + "/" + parts[0].toLowerCase(Locale.ROOT);
    }

    /** A JSON pointer token (RFC 6901). */
    private static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }

    private static String mediaType(String contentType) {
        return contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    }

    private static List<String> names(Iterator<String> names) {
        List<String> out = new ArrayList<>();
        names.forEachRemaining(out::add);
        return out;
    }
}
