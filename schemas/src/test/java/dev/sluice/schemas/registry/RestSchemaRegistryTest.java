package dev.sluice.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.avro.LlmResult;
import dev.sluice.schemas.serde.AvroDeserializer;
import dev.sluice.schemas.serde.AvroSerializer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Records the HTTP calls our client makes, to check they are the calls of Confluent's serdes:
 * same paths, methods, content type and body. The server here answers as Confluent's does.
 */
class RestSchemaRegistryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Call(String method, String path, String contentType, String accept, String authorization, String body) {}

    private HttpServer server;
    private final List<Call> calls = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Integer> statusFor = new ConcurrentHashMap<>();
    private final Map<String, String> bodyFor = new ConcurrentHashMap<>();
    private volatile long delayMs;
    private String url;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            if (delayMs > 0) {
                try {
                    Thread.sleep(delayMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            String path = exchange.getRequestURI().getRawPath()
                    + (exchange.getRequestURI().getRawQuery() == null
                            ? ""
                            : "?" + exchange.getRequestURI().getRawQuery());
            calls.add(new Call(
                    exchange.getRequestMethod(),
                    path,
                    exchange.getRequestHeaders().getFirst("Content-Type"),
                    exchange.getRequestHeaders().getFirst("Accept"),
                    exchange.getRequestHeaders().getFirst("Authorization"),
                    body));
            String key =
                    exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath();
            byte[] answer = bodyFor.getOrDefault(key, "{\"error_code\":40401,\"message\":\"not found\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", RestSchemaRegistry.CONTENT_TYPE);
            exchange.sendResponseHeaders(
                    statusFor.getOrDefault(key, bodyFor.containsKey(key) ? 200 : 404), answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private static LlmResult result() {
        return LlmResult.newBuilder()
                .setRequestId("r")
                .setTenantId("t")
                .setIdempotencyKey("r")
                .setStatus(dev.sluice.avro.ResultStatus.SUCCEEDED)
                .setCreatedAt(Instant.EPOCH)
                .setCompletedAt(Instant.EPOCH)
                .build();
    }

    @Test
    void shouldRegisterWithConfluentsPathContentTypeAndBodyAndThenUseTheCache() throws Exception {
        bodyFor.put("POST /subjects/llm.results-value/versions", "{\"id\":7}");
        RestSchemaRegistry client = new RestSchemaRegistry(url);
        AvroSerializer<LlmResult> serializer = new AvroSerializer<>(client, true);

        byte[] first = serializer.serialize("llm.results", result());
        serializer.serialize("llm.results", result());

        assertThat(calls).hasSize(1);
        Call call = calls.getFirst();
        assertThat(call.method()).isEqualTo("POST");
        assertThat(call.path()).isEqualTo("/subjects/llm.results-value/versions");
        assertThat(call.contentType()).isEqualTo("application/vnd.schemaregistry.v1+json");
        assertThat(call.accept()).startsWith("application/vnd.schemaregistry.v1+json");
        var sent = JSON.readTree(call.body());
        assertThat(sent.fieldNames()).toIterable().containsExactly("schema");
        assertThat(new Schema.Parser().parse(sent.get("schema").asText())).isEqualTo(LlmResult.getClassSchema());
        assertThat(first[4]).isEqualTo((byte) 7);
    }

    @Test
    void shouldSendOneRegistrationWhenManyThreadsMissTheCacheAtOnce() throws Exception {
        bodyFor.put("POST /subjects/llm.results-value/versions", "{\"id\":7}");
        delayMs = 300;
        AvroSerializer<LlmResult> serializer = new AvroSerializer<>(new RestSchemaRegistry(url), true);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<byte[]>> sent = new ArrayList<>();

        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 200; i++) {
                sent.add(threads.submit(() -> {
                    go.await();
                    return serializer.serialize("llm.results", result());
                }));
            }
            go.countDown();
            for (Future<byte[]> f : sent) {
                assertThat(f.get()[4]).isEqualTo((byte) 7);
            }
        }
        assertThat(calls).hasSize(1);
    }

    @Test
    void shouldFetchAWriterSchemaOnceWhenManyThreadsAskAtOnce() throws Exception {
        bodyFor.put(
                "GET /schemas/ids/7",
                JSON.createObjectNode()
                        .put("schema", LlmResult.getClassSchema().toString())
                        .toString());
        delayMs = 300;
        RestSchemaRegistry client = new RestSchemaRegistry(url);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Schema>> fetched = new ArrayList<>();

        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 200; i++) {
                fetched.add(threads.submit(() -> {
                    go.await();
                    return client.schemaById(7);
                }));
            }
            go.countDown();
            for (Future<Schema> f : fetched) {
                assertThat(f.get()).isEqualTo(LlmResult.getClassSchema());
            }
        }
        assertThat(calls).hasSize(1);
    }

    @Test
    void shouldAskAgainAfterAFailedRegistration() {
        String key = "POST /subjects/llm.results-value/versions";
        statusFor.put(key, 500);
        bodyFor.put(key, "{\"error_code\":50001,\"message\":\"store unavailable\"}");
        AvroSerializer<LlmResult> serializer = new AvroSerializer<>(new RestSchemaRegistry(url), true);
        assertThatThrownBy(() -> serializer.serialize("llm.results", result()))
                .hasMessageContaining("store unavailable");

        statusFor.remove(key);
        bodyFor.put(key, "{\"id\":7}");

        assertThat(serializer.serialize("llm.results", result())[4]).isEqualTo((byte) 7);
        assertThat(calls).hasSize(2);
    }

    @Test
    void shouldFetchAWriterSchemaByIdOnceAndCacheIt() throws Exception {
        bodyFor.put(
                "GET /schemas/ids/7",
                JSON.createObjectNode()
                        .put("schema", LlmResult.getClassSchema().toString())
                        .toString());
        RestSchemaRegistry client = new RestSchemaRegistry(url);
        byte[] bytes = new AvroSerializer<LlmResult>(new InMemorySchemaRegistryWithId(7), true)
                .serialize("llm.results", result());
        AvroDeserializer<LlmResult> deserializer = new AvroDeserializer<>(client, LlmResult.class);

        assertThat(deserializer.deserialize("llm.results", bytes)).isEqualTo(result());
        deserializer.deserialize("llm.results", bytes);

        assertThat(calls)
                .extracting(Call::method, Call::path)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("GET", "/schemas/ids/7"));
    }

    @Test
    void shouldLookUpWithoutRegisteringWhenAutoRegisterIsOff() {
        bodyFor.put(
                "POST /subjects/llm.results-value",
                "{\"subject\":\"llm.results-value\",\"id\":3,\"version\":1,\"schema\":\"{}\"}");
        new AvroSerializer<LlmResult>(new RestSchemaRegistry(url), false).serialize("llm.results", result());
        assertThat(calls).extracting(Call::path).containsExactly("/subjects/llm.results-value");
    }

    @Test
    void shouldUseConfluentPathsForLatestCompatibilityAndConfig() {
        bodyFor.put(
                "GET /subjects/a%20b-value/versions/latest",
                JSON.createObjectNode()
                        .put("subject", "a b-value")
                        .put("version", 2)
                        .put("id", 5)
                        .put("schema", "\"string\"")
                        .toString());
        bodyFor.put("POST /compatibility/subjects/a%20b-value/versions/latest", "{\"is_compatible\":false}");
        bodyFor.put("GET /config", "{\"compatibilityLevel\":\"BACKWARD\"}");
        bodyFor.put("PUT /config/a%20b-value", "{\"compatibility\":\"FULL\"}");
        RestSchemaRegistry client = new RestSchemaRegistry(url);

        SchemaRegistry.SubjectVersion latest = client.latest("a b-value");
        boolean compatible = client.isCompatible("a b-value", Schema.create(Schema.Type.STRING));
        String level = client.compatibility(null);
        client.setCompatibility("a b-value", "FULL");

        assertThat(latest.version()).isEqualTo(2);
        assertThat(latest.id()).isEqualTo(5);
        assertThat(compatible).isFalse();
        assertThat(level).isEqualTo("BACKWARD");
        assertThat(calls)
                .extracting(Call::method, Call::path)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("GET", "/subjects/a%20b-value/versions/latest"),
                        org.assertj.core.groups.Tuple.tuple(
                                "POST", "/compatibility/subjects/a%20b-value/versions/latest"),
                        org.assertj.core.groups.Tuple.tuple("GET", "/config"),
                        org.assertj.core.groups.Tuple.tuple("PUT", "/config/a%20b-value"));
        assertThat(calls.getLast().body()).isEqualTo("{\"compatibility\":\"FULL\"}");
    }

    @Test
    void shouldReportAnIncompatibleSchemaAsSuch() {
        statusFor.put("POST /subjects/x-value/versions", 409);
        bodyFor.put(
                "POST /subjects/x-value/versions",
                "{\"error_code\":409,\"message\":\"Schema being registered is incompatible with an earlier schema\"}");
        assertThatThrownBy(() -> new RestSchemaRegistry(url).register("x-value", Schema.create(Schema.Type.INT)))
                .isInstanceOf(SchemaRegistryException.Incompatible.class)
                .hasMessageContaining("incompatible with an earlier schema");
    }

    @Test
    void shouldCarryTheConfluentErrorCodeOfOtherFailures() {
        assertThatThrownBy(() -> new RestSchemaRegistry(url).schemaById(99))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(40401);
                    assertThat(e.httpStatus()).isEqualTo(404);
                    assertThat(e.isNotFound()).isTrue();
                });
    }

    @Test
    void shouldSayClearlyWhenNoRegistryAnswers() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        RestSchemaRegistry client =
                new RestSchemaRegistry("http://127.0.0.1:" + closedPort, null, Duration.ofSeconds(2));
        assertThatThrownBy(() -> client.schemaById(1))
                .isInstanceOf(SchemaRegistryException.Unavailable.class)
                .hasMessageContaining("not reachable")
                .hasMessageContaining(String.valueOf(closedPort))
                .hasMessageContaining("schema.registry.url");
    }

    @Test
    void shouldFallBackToTheNextUrlAndSendBasicAuth() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        bodyFor.put("GET /subjects", "[\"a-value\"]");
        RestSchemaRegistry client =
                new RestSchemaRegistry("http://127.0.0.1:" + closedPort + "," + url, "user:pw", Duration.ofSeconds(2));

        assertThat(client.subjects()).containsExactly("a-value");
        assertThat(calls.getFirst().authorization())
                .isEqualTo("Basic " + Base64.getEncoder().encodeToString("user:pw".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void shouldRefuseAUrlThatIsNotHttp() {
        assertThatThrownBy(() -> new RestSchemaRegistry("localhost:8081"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not an http(s) URL");
    }

    /** A registry that answers every registration with a fixed id, to write bytes that name it. */
    private static final class InMemorySchemaRegistryWithId implements SchemaRegistry {
        private final int id;

        InMemorySchemaRegistryWithId(int id) {
            this.id = id;
        }

        @Override
        public int register(String subject, Schema schema) {
            return id;
        }

        @Override
        public int lookupId(String subject, Schema schema) {
            return id;
        }

        @Override
        public Schema schemaById(int id) {
            throw new UnsupportedOperationException();
        }

        @Override
        public SubjectVersion latest(String subject) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isCompatible(String subject, Schema schema) {
            return true;
        }

        @Override
        public List<String> subjects() {
            return List.of();
        }

        @Override
        public List<Integer> versions(String subject) {
            return List.of();
        }

        @Override
        public String compatibility(String subject) {
            return "BACKWARD";
        }

        @Override
        public void setCompatibility(String subject, String level) {}
    }
}
