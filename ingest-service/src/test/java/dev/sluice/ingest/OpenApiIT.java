package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.model.JobState;
import dev.sluice.model.Priority;
import dev.sluice.model.ResponseFormat;
import dev.sluice.model.Role;
import dev.sluice.model.Tier;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The OpenAPI document at /openapi.json held to the running service: the routes it lists are the
 * routes served, the job fields and values it allows are the parser's, and every answer of every
 * operation, good and bad, is one it documents (status, headers, media type, body). The last test
 * fails for any operation documented with a 2xx answer that no test got.
 */
@SluiceKafka
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OpenApiIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JOB = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    /** Every field the parser takes, each set. */
    private static final String FULL_JOB = """
            {"tenantId":"acme","messages":[{"role":"system","content":"Be brief.","cacheable":true},
             {"role":"USER","content":"Summarise: ..."}],"model":"gpt-4.1-mini","tier":"small","priority":"HIGH",
             "maxOutputTokens":256,"temperature":0,"responseFormat":{"type":"JSON_SCHEMA","name":"summary",
             "schema":{"type":"object"}},"webhook":"https://hooks.example.com/sluice","metadata":{"team":"search"},
             "deadline":"2026-11-23T09:00:00Z","userId":"u-123","idempotencyKey":"order-42"}""";

    private static final String JOBS = "POST /v1/jobs";
    private static final String BATCH = "POST /v1/jobs:batch";
    private static final String STATUS = "GET /v1/jobs/{id}";
    private static final String EVENTS = "GET /v1/jobs/{id}/events";
    private static final String FEEDBACK = "POST /v1/jobs/{id}/feedback";
    private static final String HOST = "Host: 127.0.0.1\r\n";
    private static IngestHarness h;
    private static OpenApiContract api;
    private static String key;
    private static String globexKey;

    @BeforeAll
    static void start(KafkaStack kafka) throws Exception {
        h = IngestHarness.start(
                kafka,
                Map.of(
                        "ingest.max.body.bytes",
                        "4096",
                        "ingest.batch.max.body.bytes",
                        "64KB",
                        "ingest.body.timeout",
                        "1s",
                        "ingest.status.wait",
                        "1s",
                        "ingest.status.heartbeat",
                        "100ms",
                        "ingest.status.max.streams",
                        "1"));
        key = h.issueKey(h.putTenant("acme"));
        globexKey = h.issueKey(h.putTenant("globex"));
        h.awaitKeyAnswered(key, 400);
        h.awaitKeyAnswered(globexKey, 400);
        api = new OpenApiContract(h.get("/openapi.json").body());
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    @Test
    void shouldServeAWellFormedOpenApi31DocumentWithoutAKey() throws Exception {
        HttpResponse<String> served = h.get("/openapi.json");

        api.assertDocumented("GET /openapi.json", served);
        assertThat(api.structuralProblems())
                .as("what is not OpenAPI 3.1 in the document")
                .isEmpty();
    }

    @Test
    void shouldListExactlyTheRoutesTheServiceServes() {
        List<String> routes = h.ingest.routes();

        assertThat(routes).as("routes registered twice").doesNotHaveDuplicates();
        assertThat(api.operations())
                .as("operations in /openapi.json against the routes IngestService registers")
                .containsExactlyInAnyOrderElementsOf(routes);
    }

    @Test
    void shouldDocumentEveryJobFieldAndValueTheParserTakes() throws Exception {
        JsonNode job = api.document().at("/components/schemas/Job/properties");

        assertThat(names(job))
                .as("Job's properties against JobRequestParser.FIELDS")
                .isEqualTo(new TreeSet<>(JobRequestParser.FIELDS));
        assertThat(names(JSON.readTree(FULL_JOB)))
                .as("the fields FULL_JOB sets")
                .isEqualTo(names(job));
        assertValues("/components/schemas/Job/properties/tier", Tier.values());
        assertValues("/components/schemas/Job/properties/priority", Priority.values());
        assertValues("/components/schemas/Message/properties/role", Role.values());
        assertValues("/components/schemas/ResponseFormat/properties/type", ResponseFormat.Type.values());
        assertThat(api.document().at("/components/schemas/JobStatus/properties/state/enum"))
                .extracting(JsonNode::asText)
                .containsExactly(
                        Arrays.stream(JobState.values()).map(Enum::name).toArray(String[]::new));
    }

    /** The schema takes every constant of the enum, in any letter case, lists them all as examples, and nothing else. */
    private static void assertValues(String pointer, Enum<?>[] constants) {
        List<String> names = Arrays.stream(constants).map(Enum::name).toList();
        assertThat(api.document().at(pointer + "/examples"))
                .as(pointer + " examples")
                .extracting(JsonNode::asText)
                .containsExactlyElementsOf(names);
        for (String name : names) {
            String mixed = name.charAt(0) + name.substring(1).toLowerCase(Locale.ROOT);
            for (String value : List.of(name, name.toLowerCase(Locale.ROOT), mixed)) {
                assertThat(api.validate(pointer, JSON.getNodeFactory().textNode(value)))
                        .as(pointer + " " + value)
                        .isEmpty();
            }
        }
        assertThat(api.validate(pointer, JSON.getNodeFactory().textNode("NONE_OF_THEM")))
                .as(pointer)
                .isNotEmpty();
    }

    @Test
    void shouldAnswerEveryOperationCalledWithoutAKeyAsItsSecuritySays() throws Exception {
        for (String op : api.operations()) {
            String[] parts = op.split(" ", 2);
            boolean keyed = !api.operation(op).path("security").isArray()
                    || !api.operation(op).path("security").isEmpty();

            HttpResponse<String> r = h.send(parts[0], parts[1].replace("{id}", "no-such-job"), Map.of());

            api.assertDocumented(op, r);
            assertThat(r.statusCode() == 401)
                    .as(op + " without a key answered " + r.statusCode())
                    .isEqualTo(keyed);
        }
    }

    @Test
    void shouldAnswerJobsGoodAndBadAsDocumented() throws Exception {
        String revoked = h.issueKey("acme");
        String orphan = h.issueKey("initech");
        h.awaitKeyAnswered(revoked, 400);
        h.revokeKey(revoked);
        h.awaitKeyAnswered(revoked, 401);
        h.awaitKeyAnswered(orphan, 403);
        String invalid = "{\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}],\"temperature\":9,\"colour\":\"red\"}";

        JsonNode accepted = answer(
                JOBS,
                h.post(
                        "/v1/jobs",
                        FULL_JOB,
                        Map.of(
                                "Authorization",
                                "Bearer " + key,
                                "Idempotency-Key",
                                "order-42",
                                "traceparent",
                                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")),
                202);
        JsonNode refused = answer(JOBS, h.post("/v1/jobs", invalid, key), 400);
        answer(
                JOBS,
                h.post("/v1/jobs", JOB, Map.of("Authorization", "Bearer " + key, "Idempotency-Key", "order-42")),
                409);
        answer(JOBS, h.post("/v1/jobs", "[1]", key), 400);
        answer(JOBS, h.post("/v1/jobs", "{\"messages\": ", key), 400);
        answer(JOBS, h.post("/v1/jobs", JOB + "}", key), 400);
        answer(JOBS, h.post("/v1/jobs", "", key), 400);
        answer(
                JOBS,
                h.post(
                        "/v1/jobs",
                        JOB,
                        Map.of(
                                "Authorization",
                                "Bearer " + key,
                                "Idempotency-Key",
                                "a",
                                "Content-Type",
                                "application/json; charset=utf-8")),
                202);
        answer(
                JOBS,
                h.post(
                        "/v1/jobs",
                        "{\"idempotencyKey\":\"b\"," + JOB.substring(1),
                        Map.of("Authorization", "Bearer " + key, "Idempotency-Key", "a")),
                400);
        answer(
                JOBS,
                h.post(
                        "/v1/jobs",
                        "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(5000) + "\"}]}",
                        key),
                413);
        answer(
                JOBS,
                h.post(
                        "/v1/jobs",
                        "messages=hi",
                        Map.of("Authorization", "Bearer " + key, "Content-Type", "application/x-www-form-urlencoded")),
                415);
        answer(JOBS, h.post("/v1/jobs", JOB, Map.of("Authorization", "Basic YWNtZTpzZWNyZXQ=")), 401);
        answer(JOBS, h.post("/v1/jobs", JOB, "slk_aaaaaaaaaaaa_" + "A".repeat(43)), 401);
        answer(JOBS, h.post("/v1/jobs", JOB, revoked), 401);
        answer(JOBS, h.post("/v1/jobs", JOB, orphan), 403);
        answer(JOBS, h.post("/v1/jobs", "{\"tenantId\":\"globex\"," + JOB.substring(1), key), 403);

        assertThat(accepted.path("idempotencyKey").asText()).isEqualTo("order-42");
        assertThat(api.validateRequest(JOBS, FULL_JOB))
                .as("the document takes the job the service took")
                .isEmpty();
        assertThat(refusedByDocument(JOBS, invalid))
                .as("the fields the document refuses")
                .isEqualTo(refusedByService(refused))
                .hasSize(3);
    }

    @Test
    void shouldAnswerBatchesGoodAndBadAsDocumented() throws Exception {
        String good = batch(List.of(FULL_JOB.replace("order-42", "order-43"), JOB, JOB));
        String invalid = batch(List.of(JOB, "{\"messages\":[],\"priority\":\"URGENT\"}"));

        JsonNode accepted = answer(BATCH, h.post("/v1/jobs:batch", good, key), 202);
        JsonNode refused = answer(BATCH, h.post("/v1/jobs:batch", invalid, key), 400);
        answer(
                BATCH,
                h.post(
                        "/v1/jobs:batch",
                        batch(List.of(JOB, "{\"idempotencyKey\":\"order-43\"," + JOB.substring(1))),
                        key),
                409);
        answer(
                BATCH,
                h.post(
                        "/v1/jobs:batch",
                        batch(List.of(
                                "{\"idempotencyKey\":\"b-1\"," + JOB.substring(1),
                                "{\"idempotencyKey\":\"b-1\",\"priority\":\"LOW\"," + JOB.substring(1))),
                        key),
                400);
        answer(BATCH, h.post("/v1/jobs:batch", batch(Collections.nCopies(1001, JOB)), key), 400);
        answer(BATCH, h.post("/v1/jobs:batch", batch(List.of()), key), 400);
        answer(BATCH, h.post("/v1/jobs:batch", "{\"jobs\":[" + JOB, key), 400);
        answer(BATCH, h.post("/v1/jobs:batch", batch(List.of(JOB)) + " garbage", key), 400);
        answer(
                BATCH,
                h.post(
                        "/v1/jobs:batch",
                        batch(List.of(JOB)),
                        Map.of("Authorization", "Bearer " + key, "Idempotency-Key", "k-1")),
                400);
        answer(
                BATCH,
                h.post(
                        "/v1/jobs:batch",
                        batch(Collections.nCopies(
                                20,
                                "{\"messages\":[{\"role\":\"user\"," + "\"content\":\"" + "x".repeat(4000) + "\"}]}")),
                        key),
                413);
        answer(
                BATCH,
                h.post(
                        "/v1/jobs:batch",
                        batch(List.of(JOB)),
                        Map.of("Authorization", "Bearer " + key, "Content-Type", "text/plain")),
                415);
        answer(BATCH, h.post("/v1/jobs:batch", batch(List.of(JOB)), "slk_aaaaaaaaaaaa_" + "A".repeat(43)), 401);
        answer(
                BATCH,
                h.post("/v1/jobs:batch", batch(List.of(JOB, "{\"tenantId\":\"globex\"," + JOB.substring(1))), key),
                403);

        assertThat(accepted.path("jobs")).hasSize(3);
        assertThat(api.validateRequest(BATCH, good))
                .as("the document takes the batch the service took")
                .isEmpty();
        assertThat(refusedByDocument(BATCH, invalid))
                .as("the fields the document refuses")
                .isEqualTo(refusedByService(refused))
                .hasSize(2);
    }

    @Test
    void shouldAnswerATenantOverItsLimitAsDocumented() throws Exception {
        String slow = h.limitedTenantKey("slowco", 1);

        answer(JOBS, h.post("/v1/jobs", JOB, slow), 202);
        answer(JOBS, h.post("/v1/jobs", JOB, slow), 429);
        answer(BATCH, h.post("/v1/jobs:batch", batch(List.of(JOB, JOB)), slow), 429);
    }

    @Test
    void shouldAnswerJobsTheBrokerRefusesAsDocumented() throws Exception {
        String big = IngestHarness.incompressibleJob();

        List<HttpResponse<String>> refused = h.withSmallRequestRecords(() ->
                List.of(h.post("/v1/jobs", big, key), h.post("/v1/jobs:batch", batch(List.of(JOB, big)), key)));

        answer(JOBS, refused.get(0), 503);
        answer(BATCH, refused.get(1), 503);
    }

    @Test
    void shouldAnswerABodyStillDrippingAtItsDeadlineAsDocumented() throws Exception {
        answer(JOBS, drip("/v1/jobs", FULL_JOB), 408);
        answer(BATCH, drip("/v1/jobs:batch", batch(List.of(FULL_JOB))), 408);
    }

    /** A byte of {@code body} every 50 ms to {@code path}: more than the second the body is given. */
    private static RawHttp.Response drip(String path, String body) throws Exception {
        RawHttp.Dripped dripped = RawHttp.drip(
                h.ingest.port(),
                "POST " + path + " HTTP/1.1\r\n" + HOST
                        + "Authorization: Bearer " + key + "\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.length() + "\r\n\r\n",
                body,
                Duration.ofMillis(50));
        assertThat(dripped.sent()).as("bytes sent before the answer").isLessThan(body.length());
        return dripped.response();
    }

    @Test
    void shouldAnswerStatusReadsAndStreamsAsDocumented() throws Exception {
        h.putStatus("acme-1", "acme", JobState.RUNNING);
        await().alias("acme-1 in the status table")
                .atMost(Duration.ofSeconds(30))
                .until(() -> h.get("/v1/jobs/acme-1", key).statusCode() == 200);
        String orphan = h.issueKey("initech");
        h.awaitKeyAnswered(orphan, 403);

        JsonNode status = answer(STATUS, h.get("/v1/jobs/acme-1", key), 200);
        answer(STATUS, h.get("/v1/jobs/acme-1", globexKey), 404);
        answer(STATUS, h.get("/v1/jobs/nobody", key), 404);
        answer(STATUS, h.get("/v1/jobs/acme-1", orphan), 403);
        answer(EVENTS, h.get("/v1/jobs/nobody/events", key), 404);
        answer(EVENTS, h.get("/v1/jobs/acme-1/events", orphan), 403);
        CompletableFuture<HttpResponse<String>> stream = h.getAsync("/v1/jobs/acme-1/events", key);
        await().alias("the stream of acme-1 open")
                .atMost(Duration.ofSeconds(10))
                .until(h::statusStreamOpen);
        // The instance allows one stream: a second is refused while the first is open.
        answer(EVENTS, h.get("/v1/jobs/acme-1/events", globexKey), 503);
        h.putStatus("acme-1", "acme", JobState.SUCCEEDED);
        JsonNode events = answer(EVENTS, stream.get(30, TimeUnit.SECONDS), 200);

        assertThat(status.path("state").asText()).isEqualTo("RUNNING");
        assertThat(events).as("an event stream is not JSON").isNull();
    }

    @Test
    void shouldAnswerFeedbackGoodAndBadAsDocumented() throws Exception {
        h.putStatus("acme-done", "acme", JobState.SUCCEEDED);
        h.putStatus("acme-busy", "acme", JobState.RUNNING);
        await().alias("both jobs in the status table")
                .atMost(Duration.ofSeconds(30))
                .until(() -> h.get("/v1/jobs/acme-done", key).statusCode() == 200
                        && h.get("/v1/jobs/acme-busy", key).statusCode() == 200);
        String orphan = h.issueKey("initech");
        h.awaitKeyAnswered(orphan, 403);

        JsonNode accepted = answer(
                FEEDBACK, h.post("/v1/jobs/acme-done/feedback", "{\"score\":0.75,\"label\":\"helpful\"}", key), 202);
        answer(FEEDBACK, h.post("/v1/jobs/acme-done/feedback", "{\"score\":1,\"label\":null}", key), 202);
        answer(FEEDBACK, h.post("/v1/jobs/acme-done/feedback", "{\"score\":1}", globexKey), 404);
        answer(FEEDBACK, h.post("/v1/jobs/nobody/feedback", "{\"score\":1}", key), 404);
        answer(FEEDBACK, h.post("/v1/jobs/acme-busy/feedback", "{\"score\":1}", key), 409);
        answer(FEEDBACK, h.post("/v1/jobs/acme-done/feedback", "{\"score\":1}", orphan), 403);
        JsonNode invalid = answer(
                FEEDBACK,
                h.post(
                        "/v1/jobs/acme-done/feedback",
                        "{\"score\":1.5,\"label\":\"two words\",\"colour\":\"blue\"}",
                        key),
                400);
        answer(FEEDBACK, h.post("/v1/jobs/acme-done/feedback", "{\"score\":", key), 400);
        answer(FEEDBACK, h.post("/v1/jobs/acme-done/feedback", "[1]", key), 400);
        answer(FEEDBACK, h.post("/v1/jobs/acme-done/feedback", "{\"score\":\"0.5\"}", key), 400);
        answer(
                FEEDBACK,
                h.post(
                        "/v1/jobs/acme-done/feedback",
                        "score=1",
                        Map.of("Authorization", "Bearer " + key, "Content-Type", "application/x-www-form-urlencoded")),
                415);
        answer(
                FEEDBACK,
                h.post("/v1/jobs/acme-done/feedback", "{\"score\":1,\"label\":\"" + "a".repeat(5000) + "\"}", key),
                413);

        assertThat(accepted.path("requestId").asText()).isEqualTo("acme-done");
        assertThat(refusedByService(invalid)).containsExactly("/colour", "/label", "/score");
        assertThat(refusedByDocument(FEEDBACK, "{\"score\":1.5,\"label\":\"two words\",\"colour\":\"blue\"}"))
                .containsExactly("/colour", "/label", "/score");
    }

    @Test
    void shouldAnswerARequestNoOperationServesAsDocumented() throws Exception {
        answer(null, h.get("/v1/jobs"), 405);
        answer(null, h.send("DELETE", "/v1/jobs/acme-1", Map.of("Authorization", "Bearer " + key)), 405);
        answer(null, h.send("POST", "/openapi.json", Map.of()), 405);
        answer(null, h.get("/v1/nothing"), 404);
        answer(null, h.get("/v1/jobs/acme-1/events/more"), 404);
        answer(null, RawHttp.exchange(h.ingest.port(), "GET /v1/jobs/% HTTP/1.1\r\n" + HOST + "\r\n"), 400);
        answer(null, RawHttp.exchange(h.ingest.port(), "G@T /v1/jobs HTTP/1.1\r\n" + HOST + "\r\n"), 400);
        answer(
                null,
                RawHttp.exchange(
                        h.ingest.port(), "GET /v1/jobs/" + "a".repeat(10 * 1024) + " HTTP/1.1\r\n" + HOST + "\r\n"),
                414);
        answer(
                null,
                RawHttp.exchange(
                        h.ingest.port(),
                        "GET /v1/jobs/x HTTP/1.1\r\n" + HOST + "X-Padding: " + "a".repeat(9 * 1024) + "\r\n\r\n"),
                431);
        answer(null, RawHttp.exchange(h.ingest.port(), "GET /health HTTP/7.0\r\n" + HOST + "\r\n"), 505);
        answer(null, RawHttp.exchange(h.ingest.port(), "OPTIONS * HTTP/1.1\r\n" + HOST + "\r\n"), 404);
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void shouldHaveGotEveryDocumentedSuccessFromTheService() {
        assertThat(api.unexercisedSuccesses())
                .as("documented 2xx answers no test of OpenApiIT got")
                .isEmpty();
    }

    /** As {@link #answer(String, HttpResponse, int)}, for an answer read off a raw socket. */
    private static JsonNode answer(String operation, RawHttp.Response r, int status) throws Exception {
        assertThat(r.status()).as(r.request() + ": " + r.body()).isEqualTo(status);
        return api.assertDocumented(operation, r);
    }

    /** Asserts the status, then that the answer is documented for the operation; returns its JSON body. */
    private static JsonNode answer(String operation, HttpResponse<String> r, int status) throws Exception {
        assertThat(r.statusCode())
                .as(r.request().method() + " " + r.request().uri().getPath() + ": " + r.body())
                .isEqualTo(status);
        return api.assertDocumented(operation, r);
    }

    /** Where the document finds a request body invalid, as JSON pointers ("/messages/0/role", "/colour"). */
    private static Set<String> refusedByDocument(String operation, String body) throws Exception {
        Set<String> out = new TreeSet<>();
        api.validateRequest(operation, body)
                .forEach(m -> out.add(m.getInstanceLocation()
                        + (m.getType().equals("additionalProperties") ? "/" + m.getProperty() : "")));
        return out;
    }

    /** The fields a 400 problem lists, as JSON pointers ("messages[0].role" is "/messages/0/role"). */
    private static Set<String> refusedByService(JsonNode problem) {
        Set<String> out = new TreeSet<>();
        problem.path("errors")
                .forEach(e -> out.add("/"
                        + e.path("field")
                                .asText()
                                .replaceAll("\\[(\\d+)]", ".$1")
                                .replace('.', '/')));
        return out;
    }

    private static String batch(List<String> jobs) {
        return "{\"jobs\":[" + String.join(",", jobs) + "]}";
    }

    private static Set<String> names(JsonNode object) {
        Set<String> out = new TreeSet<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
