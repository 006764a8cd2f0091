package dev.sluice.devstack.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Confluent Schema Registry REST paths that serializers, the Sluice client and operators use,
 * mapped onto {@link RegistryService}. Every answer, errors included, is JSON in Confluent's
 * content type, because clients parse error bodies for {@code error_code}.
 */
final class RegistryRoutes {
    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final Set<String> ACCEPTED_BODY_TYPES =
            Set.of(CONTENT_TYPE, "application/vnd.schemaregistry+json", "application/json");
    private static final Logger log = LoggerFactory.getLogger(RegistryRoutes.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RegistryService service;

    private RegistryRoutes(RegistryService service) {
        this.service = service;
    }

    static void install(JavalinConfig cfg, RegistryService service) {
        new RegistryRoutes(service).install(cfg);
    }

    private void install(JavalinConfig cfg) {
        var r = cfg.routes;
        r.before(ctx -> ctx.contentType(CONTENT_TYPE));
        r.get("/", ctx -> ctx.result("{}"));
        r.get("/health", ctx -> ctx.result("{\"status\":\"UP\"}"));
        r.get("/schemas/types", ctx -> json(ctx, List.of(RegistryService.AVRO)));
        r.get("/mode", ctx -> ctx.result("{\"mode\":\"READWRITE\"}"));

        r.get("/subjects", ctx -> json(ctx, service.subjects(flag(ctx, "deleted"))));
        r.get(
                "/subjects/{subject}/versions",
                ctx -> json(ctx, service.versions(ctx.pathParam("subject"), flag(ctx, "deleted"))));
        r.post(
                "/subjects/{subject}/versions",
                ctx -> json(
                        ctx,
                        JSON.createObjectNode()
                                .put("id", service.register(ctx.pathParam("subject"), schemaRequest(ctx)))));
        r.get(
                "/subjects/{subject}/versions/{version}",
                ctx -> json(
                        ctx,
                        versionJson(service.version(
                                ctx.pathParam("subject"), ctx.pathParam("version"), flag(ctx, "deleted")))));
        r.get(
                "/subjects/{subject}/versions/{version}/schema",
                ctx -> ctx.result(
                        service.version(ctx.pathParam("subject"), ctx.pathParam("version"), flag(ctx, "deleted"))
                                .schema()));
        r.delete(
                "/subjects/{subject}/versions/{version}",
                ctx -> json(
                        ctx,
                        service.deleteVersion(
                                ctx.pathParam("subject"), ctx.pathParam("version"), flag(ctx, "permanent"))));
        r.post(
                "/subjects/{subject}",
                ctx -> json(
                        ctx,
                        versionJson(
                                service.lookup(ctx.pathParam("subject"), schemaRequest(ctx), flag(ctx, "deleted")))));
        r.delete(
                "/subjects/{subject}",
                ctx -> json(ctx, service.deleteSubject(ctx.pathParam("subject"), flag(ctx, "permanent"))));

        r.get(
                "/schemas/ids/{id}",
                ctx -> json(ctx, JSON.createObjectNode().put("schema", service.schemaById(ctx.pathParam("id")))));
        r.get("/schemas/ids/{id}/schema", ctx -> ctx.result(service.schemaById(ctx.pathParam("id"))));
        r.get(
                "/schemas/ids/{id}/subjects",
                ctx -> json(
                        ctx,
                        service.usesOf(ctx.pathParam("id"), flag(ctx, "deleted")).stream()
                                .map(LogEntry.SchemaVersion::subject)
                                .distinct()
                                .toList()));
        r.get("/schemas/ids/{id}/versions", ctx -> {
            ArrayNode out = JSON.createArrayNode();
            service.usesOf(ctx.pathParam("id"), flag(ctx, "deleted"))
                    .forEach(v -> out.addObject().put("subject", v.subject()).put("version", v.version()));
            json(ctx, out);
        });

        r.post(
                "/compatibility/subjects/{subject}/versions/{version}",
                ctx -> compatibility(ctx, ctx.pathParam("version")));
        r.post("/compatibility/subjects/{subject}/versions", ctx -> compatibility(ctx, "latest"));

        r.get("/config", ctx -> json(ctx, level("compatibilityLevel", service.globalLevel())));
        r.put("/config", ctx -> json(ctx, level("compatibility", service.setLevel(null, levelRequest(ctx)))));
        r.delete("/config", ctx -> json(ctx, level("compatibilityLevel", service.resetGlobalLevel())));
        r.get(
                "/config/{subject}",
                ctx -> json(
                        ctx,
                        level(
                                "compatibilityLevel",
                                service.subjectLevel(ctx.pathParam("subject"), flag(ctx, "defaultToGlobal")))));
        r.put(
                "/config/{subject}",
                ctx -> json(
                        ctx, level("compatibility", service.setLevel(ctx.pathParam("subject"), levelRequest(ctx)))));
        r.delete(
                "/config/{subject}",
                ctx -> json(ctx, level("compatibilityLevel", service.deleteSubjectLevel(ctx.pathParam("subject")))));

        r.exception(RegistryException.class, (e, ctx) -> error(ctx, e.status(), e.errorCode(), e.getMessage()));
        // Unknown paths: Confluent's serializer probes e.g. /associations/... and treats 404 as "none".
        r.exception(
                HttpResponseException.class,
                (e, ctx) -> error(
                        ctx,
                        e.getStatus(),
                        e.getStatus() == 404 ? RegistryException.SUBJECT_NOT_FOUND : e.getStatus(),
                        e.getStatus() == 404 ? "Not found: " + ctx.method() + " " + ctx.path() : e.getMessage()));
        r.exception(Exception.class, (e, ctx) -> {
            log.error("Unexpected failure on {} {}", ctx.method(), ctx.path(), e);
            error(ctx, 500, 500, "Internal Server Error: " + e);
        });
    }

    private void compatibility(Context ctx, String version) throws JsonProcessingException {
        List<String> problems = service.compatibility(ctx.pathParam("subject"), version, schemaRequest(ctx));
        ObjectNode out = JSON.createObjectNode().put("is_compatible", problems.isEmpty());
        if (flag(ctx, "verbose")) {
            problems.forEach(out.putArray("messages")::add);
        }
        json(ctx, out);
    }

    private static ObjectNode versionJson(LogEntry.SchemaVersion v) {
        return JSON.createObjectNode()
                .put("subject", v.subject())
                .put("version", v.version())
                .put("id", v.id())
                .put("schema", v.schema());
    }

    private static ObjectNode level(String field, CompatibilityLevel level) {
        return JSON.createObjectNode().put(field, level.name());
    }

    private static RegistryService.SchemaRequest schemaRequest(Context ctx) {
        JsonNode body = body(ctx);
        JsonNode schema = body.path("schema");
        JsonNode type = body.path("schemaType");
        JsonNode references = body.path("references");
        return new RegistryService.SchemaRequest(
                schema.isTextual() ? schema.asText() : null,
                type.isTextual() ? type.asText() : null,
                references.isArray() && !references.isEmpty());
    }

    /** Confluent names the field "compatibility" on PUT; "compatibilityLevel" is accepted too. */
    private static CompatibilityLevel levelRequest(Context ctx) {
        JsonNode body = body(ctx);
        JsonNode level = body.has("compatibility") ? body.path("compatibility") : body.path("compatibilityLevel");
        return CompatibilityLevel.parse(level.isTextual() ? level.asText() : null);
    }

    private static JsonNode body(Context ctx) {
        String contentType = ctx.header("Content-Type");
        if (contentType != null) {
            String mediaType = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
            if (!ACCEPTED_BODY_TYPES.contains(mediaType)) {
                throw new RegistryException(
                        415, 415, "Unsupported Media Type: " + mediaType + "; send one of " + ACCEPTED_BODY_TYPES);
            }
        }
        try {
            JsonNode body = JSON.readTree(ctx.body());
            if (body == null || !body.isObject()) {
                throw new RegistryException(422, 422, "The request body must be a JSON object");
            }
            return body;
        } catch (JsonProcessingException e) {
            throw new RegistryException(400, 400, "Unparseable request body: " + e.getOriginalMessage());
        }
    }

    private static boolean flag(Context ctx, String name) {
        return Boolean.parseBoolean(ctx.queryParam(name));
    }

    private static void json(Context ctx, Object value) throws JsonProcessingException {
        ctx.contentType(CONTENT_TYPE).result(JSON.writeValueAsString(value));
    }

    private static void error(Context ctx, int status, int errorCode, String message) {
        ObjectNode body = JSON.createObjectNode().put("error_code", errorCode).put("message", message);
        ctx.status(status).contentType(CONTENT_TYPE).result(body.toString());
    }
}
