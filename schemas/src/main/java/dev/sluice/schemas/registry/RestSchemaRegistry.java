package dev.sluice.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.avro.Schema;

/**
 * A client of the Confluent Schema Registry REST API, making the calls Confluent's own serializers
 * make (same paths, same content type), so it works against Confluent, Apicurio's ccompat API,
 * Karapace and Sluice's development registry.
 *
 * <p>Ids are cached both ways: (subject, schema) to id, so a producer registers once per schema,
 * and id to schema, so a consumer fetches each writer schema once. Both are immutable facts in a
 * registry, so the caches never expire. Several URLs may be given; each call tries them in turn.
 */
public final class RestSchemaRegistry implements SchemaRegistry {
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    static final String ACCEPT = "application/vnd.schemaregistry.v1+json,"
            + " application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<URI> baseUris;
    private final String authorization;
    private final Duration requestTimeout;
    private final HttpClient http;
    private final Map<String, Map<Schema, CompletableFuture<Integer>>> idsBySubject = new ConcurrentHashMap<>();
    private final Map<Integer, CompletableFuture<Schema>> schemasById = new ConcurrentHashMap<>();

    /**
     * @param urls one or more base URLs, comma separated
     * @param basicAuthUserInfo "user:password" for HTTP basic authentication, or null
     */
    public RestSchemaRegistry(String urls, String basicAuthUserInfo, Duration requestTimeout) {
        this.baseUris = parseUrls(urls);
        this.authorization = basicAuthUserInfo == null || basicAuthUserInfo.isBlank()
                ? null
                : "Basic " + Base64.getEncoder().encodeToString(basicAuthUserInfo.getBytes(StandardCharsets.UTF_8));
        this.requestTimeout = requestTimeout;
        this.http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    public RestSchemaRegistry(String urls) {
        this(urls, null, Duration.ofSeconds(10));
    }

    private static List<URI> parseUrls(String urls) {
        if (urls == null || urls.isBlank()) {
            throw new IllegalArgumentException(
                    "schema.registry.url is empty: give the registry's base URL," + " e.g. http://localhost:8081");
        }
        List<URI> out = new ArrayList<>();
        for (String u : urls.split(",")) {
            String trimmed = u.strip();
            while (trimmed.endsWith("/")) {
                trimmed = trimmed.substring(0, trimmed.length() - 1);
            }
            URI uri = URI.create(trimmed);
            if (uri.getScheme() == null || !uri.getScheme().startsWith("http")) {
                throw new IllegalArgumentException("schema.registry.url '" + u.strip() + "' is not an http(s) URL");
            }
            out.add(uri);
        }
        return List.copyOf(out);
    }

    @Override
    public int register(String subject, Schema schema) {
        return idFor(subject, schema, "/subjects/" + encode(subject) + "/versions");
    }

    @Override
    public int lookupId(String subject, Schema schema) {
        return idFor(subject, schema, "/subjects/" + encode(subject));
    }

    /** The cached id of a schema under a subject, else the id the registry answers at {@code path}. */
    private int idFor(String subject, Schema schema, String path) {
        Map<Schema, CompletableFuture<Integer>> ids =
                idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
        return once(ids, schema, () -> {
            int id = call("POST", path, schemaBody(schema)).path("id").asInt();
            schemasById.putIfAbsent(id, CompletableFuture.completedFuture(schema));
            return id;
        });
    }

    @Override
    public Schema schemaById(int id) {
        return once(
                schemasById,
                id,
                () -> parse(
                        call("GET", "/schemas/ids/" + id, null).path("schema").asText()));
    }

    /**
     * The value cached under {@code key}, else loaded by the first caller while the others wait for
     * it. A worker starting with 2,000 jobs in flight would otherwise send 2,000 identical requests
     * at once, and a registry that cannot accept them all fails every job whose connection times
     * out. A failure is not cached: the next caller asks again.
     */
    private static <K, V> V once(Map<K, CompletableFuture<V>> cache, K key, Supplier<V> load) {
        CompletableFuture<V> known = cache.get(key);
        if (known == null) {
            CompletableFuture<V> mine = new CompletableFuture<>();
            known = cache.putIfAbsent(key, mine);
            if (known == null) {
                try {
                    V value = load.get();
                    mine.complete(value);
                    return value;
                } catch (RuntimeException | Error e) {
                    cache.remove(key, mine);
                    mine.completeExceptionally(e);
                    throw e;
                }
            }
        }
        try {
            return known.join();
        } catch (CompletionException e) {
            // The first caller's failure, as that caller saw it.
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    @Override
    public SubjectVersion latest(String subject) {
        JsonNode body = call("GET", "/subjects/" + encode(subject) + "/versions/latest", null);
        return new SubjectVersion(
                body.path("subject").asText(subject),
                body.path("version").asInt(),
                body.path("id").asInt(),
                parse(body.path("schema").asText()));
    }

    @Override
    public boolean isCompatible(String subject, Schema schema) {
        try {
            JsonNode body =
                    call("POST", "/compatibility/subjects/" + encode(subject) + "/versions/latest", schemaBody(schema));
            return body.path("is_compatible").asBoolean(false);
        } catch (SchemaRegistryException e) {
            if (e.errorCode() == SchemaRegistryException.SUBJECT_NOT_FOUND
                    || e.errorCode() == SchemaRegistryException.VERSION_NOT_FOUND) {
                return true;
            }
            throw e;
        }
    }

    @Override
    public List<String> subjects() {
        List<String> out = new ArrayList<>();
        call("GET", "/subjects", null).forEach(n -> out.add(n.asText()));
        return out;
    }

    @Override
    public List<Integer> versions(String subject) {
        List<Integer> out = new ArrayList<>();
        call("GET", "/subjects/" + encode(subject) + "/versions", null).forEach(n -> out.add(n.asInt()));
        return out;
    }

    @Override
    public String compatibility(String subject) {
        String path = subject == null ? "/config" : "/config/" + encode(subject) + "?defaultToGlobal=true";
        return call("GET", path, null).path("compatibilityLevel").asText();
    }

    @Override
    public void setCompatibility(String subject, String level) {
        String path = subject == null ? "/config" : "/config/" + encode(subject);
        ObjectNode body = JSON.createObjectNode().put("compatibility", level);
        call("PUT", path, body.toString());
    }

    private static String schemaBody(Schema schema) {
        // Confluent's client leaves schemaType out for AVRO, its default.
        return JSON.createObjectNode().put("schema", schema.toString()).toString();
    }

    private static Schema parse(String text) {
        return new Schema.Parser().parse(text);
    }

    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private JsonNode call(String method, String path, String body) {
        IOException lastFailure = null;
        for (URI base : baseUris) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(requestTimeout)
                    .header("Accept", ACCEPT)
                    .method(
                            method,
                            body == null
                                    ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            if (body != null) {
                request.header("Content-Type", CONTENT_TYPE);
            }
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            HttpResponse<String> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // Connection refused, timed out or reset: try the next URL.
                lastFailure = e;
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryException("interrupted while calling the schema registry", e);
            }
            return handle(method, base + path, response);
        }
        String reason = lastFailure == null
                ? "no URL"
                : lastFailure.getClass().getSimpleName()
                        + (lastFailure.getMessage() == null ? "" : ": " + lastFailure.getMessage());
        throw new SchemaRegistryException.Unavailable(
                "Schema registry not reachable at " + baseUris + " (" + reason
                        + "). Check schema.registry.url and that the registry is running.",
                lastFailure);
    }

    private static JsonNode handle(String method, String url, HttpResponse<String> response) {
        int status = response.statusCode();
        JsonNode body;
        try {
            body = response.body() == null || response.body().isBlank()
                    ? JSON.createObjectNode()
                    : JSON.readTree(response.body());
        } catch (IOException e) {
            throw new SchemaRegistryException(
                    "Schema registry answered " + method + " " + url + " with status " + status
                            + " and a body that is not JSON",
                    status,
                    -1);
        }
        if (status >= 200 && status < 300) {
            return body;
        }
        int errorCode = body.path("error_code").asInt(status);
        String message = body.path("message").asText("HTTP " + status);
        if (status == 409 || errorCode == SchemaRegistryException.INCOMPATIBLE) {
            throw new SchemaRegistryException.Incompatible("Schema is incompatible with the subject's earlier"
                    + " versions (" + method + " " + url + "): " + message);
        }
        if (status == 401 || status == 403) {
            throw new SchemaRegistryException(
                    "Schema registry refused the credentials (" + status + "): " + message
                            + ". Check basic.auth.user.info.",
                    status,
                    errorCode);
        }
        throw new SchemaRegistryException(
                "Schema registry error " + errorCode + " on " + method + " " + url + ": " + message, status, errorCode);
    }
}
