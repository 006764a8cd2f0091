package dev.sluice.devstack.registry;

import static dev.sluice.devstack.registry.TestSchemas.ORDER_V1;
import static dev.sluice.devstack.registry.TestSchemas.ORDER_V1_CANONICAL;
import static dev.sluice.devstack.registry.TestSchemas.ORDER_WITH_NOTE;
import static dev.sluice.devstack.registry.TestSchemas.PAYMENT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.devstack.KafkaBroker;
import dev.sluice.devstack.registry.RegistryHttpClient.Response;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** Registration, reads and error answers over raw HTTP, against a real broker. */
class DevSchemaRegistryIT {
    private static KafkaBroker broker;
    private DevSchemaRegistry registry;
    private RegistryHttpClient client;

    @BeforeAll
    static void startBroker() {
        broker = KafkaBroker.builder().build().start(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @BeforeEach
    void startRegistry(TestInfo test) {
        registry = DevSchemaRegistry.start(
                broker.bootstrapServers(),
                "127.0.0.1",
                0,
                "schemas-" + test.getTestMethod().orElseThrow().getName());
        client = new RegistryHttpClient(registry.url());
    }

    @AfterEach
    void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void shouldReturnTheExistingIdWithoutANewVersionWhenTheSameSchemaIsRegisteredAgain() {
        int first = client.registerOk("orders-value", ORDER_V1);

        int again = client.registerOk("orders-value", ORDER_V1);
        int reformatted = client.registerOk(
                "orders-value", ORDER_V1.replace("\n", "").replace(" ", "").replace(",", " ,\n\t "));

        assertThat(first).isEqualTo(1);
        assertThat(again).isEqualTo(first);
        assertThat(reformatted).isEqualTo(first);
        assertThat(client.get("/subjects/orders-value/versions").json()).hasToString("[1]");
    }

    @Test
    void shouldReuseTheGlobalIdWhenTheSameSchemaIsRegisteredUnderAnotherSubject() {
        int underOrders = client.registerOk("orders-value", ORDER_V1);

        int underArchive = client.registerOk("archive-value", ORDER_V1);

        assertThat(underArchive).isEqualTo(underOrders);
        assertThat(client.get("/subjects/archive-value/versions/1")
                        .json()
                        .path("id")
                        .asInt())
                .isEqualTo(underOrders);
    }

    @Test
    void shouldGiveADifferentSchemaTheNextIdAndVersion() {
        int first = client.registerOk("orders-value", ORDER_V1);
        client.registerOk("payments-value", PAYMENT);

        int evolved = client.registerOk("orders-value", ORDER_WITH_NOTE);

        assertThat(evolved).isEqualTo(first + 2);
        assertThat(client.get("/subjects/orders-value/versions").json()).hasToString("[1,2]");
        Response latest = client.get("/subjects/orders-value/versions/latest");
        assertThat(latest.json().path("version").asInt()).isEqualTo(2);
        assertThat(latest.json().path("id").asInt()).isEqualTo(evolved);
    }

    @Test
    void shouldAnswerRegisterLatestAndByIdWithTheExactJsonConfluentClientsParse() {
        Response register = client.register("wire-value", ORDER_V1);
        Response latest = client.get("/subjects/wire-value/versions/latest");
        Response byId = client.get("/schemas/ids/1?subject=wire-value&fetchMaxId=false");

        String quoted = ORDER_V1_CANONICAL.replace("\"", "\\\"");
        assertThat(register.status()).isEqualTo(200);
        assertThat(register.body()).isEqualTo("{\"id\":1}");
        assertThat(latest.body())
                .isEqualTo("{\"subject\":\"wire-value\",\"version\":1,\"id\":1,\"schema\":\"" + quoted + "\"}");
        assertThat(byId.body()).isEqualTo("{\"schema\":\"" + quoted + "\"}");
        assertThat(client.get("/subjects/wire-value/versions/1/schema").body()).isEqualTo(ORDER_V1_CANONICAL);
    }

    @Test
    void shouldLookUpASchemaUnderItsSubject() {
        int id = client.registerOk("orders-value", ORDER_V1);
        client.registerOk("orders-value", ORDER_WITH_NOTE);

        Response found = client.post("/subjects/orders-value", RegistryHttpClient.schemaBody(ORDER_V1));
        Response otherSchema = client.post("/subjects/orders-value", RegistryHttpClient.schemaBody(PAYMENT));
        Response otherSubject = client.post("/subjects/nowhere", RegistryHttpClient.schemaBody(ORDER_V1));

        assertThat(found.status()).isEqualTo(200);
        assertThat(found.json().path("subject").asText()).isEqualTo("orders-value");
        assertThat(found.json().path("id").asInt()).isEqualTo(id);
        assertThat(found.json().path("version").asInt()).isEqualTo(1);
        assertThat(found.json().path("schema").asText()).isEqualTo(ORDER_V1_CANONICAL);
        assertThat(otherSchema.status()).isEqualTo(404);
        assertThat(otherSchema.errorCode()).isEqualTo(40403);
        assertThat(otherSubject.status()).isEqualTo(404);
        assertThat(otherSubject.errorCode()).isEqualTo(40401);
    }

    @Test
    void shouldListSubjectsSortedAndServeNumberedVersions() {
        client.registerOk("b-value", ORDER_V1);
        client.registerOk("a-value", PAYMENT);
        client.registerOk("b-value", ORDER_WITH_NOTE);

        assertThat(client.get("/subjects").json()).hasToString("[\"a-value\",\"b-value\"]");
        assertThat(client.get("/subjects/b-value/versions/1")
                        .json()
                        .path("schema")
                        .asText())
                .isEqualTo(ORDER_V1_CANONICAL);
        assertThat(client.get("/subjects/b-value/versions/-1")
                        .json()
                        .path("version")
                        .asInt())
                .isEqualTo(2);
    }

    @Test
    void shouldServeSchemasByIdWithTheSubjectsAndVersionsThatUseThem() {
        int id = client.registerOk("orders-value", ORDER_V1);
        client.registerOk("archive-value", ORDER_V1);

        assertThat(client.get("/schemas/ids/" + id).json().path("schema").asText())
                .isEqualTo(ORDER_V1_CANONICAL);
        assertThat(client.get("/schemas/ids/" + id + "/subjects").json())
                .hasToString("[\"archive-value\",\"orders-value\"]");
        assertThat(client.get("/schemas/ids/" + id + "/versions").json())
                .hasToString(
                        "[{\"subject\":\"archive-value\",\"version\":1},{\"subject\":\"orders-value\",\"version\":1}]");
    }

    @Test
    void shouldAnswerMissingSubjectVersionAndSchemaWithConfluentNotFoundCodes() {
        client.registerOk("orders-value", ORDER_V1);

        Response subject = client.get("/subjects/nowhere/versions");
        Response latestOfMissing = client.get("/subjects/nowhere/versions/latest");
        Response version = client.get("/subjects/orders-value/versions/7");
        Response schema = client.get("/schemas/ids/99");

        assertThat(List.of(subject.status(), latestOfMissing.status(), version.status(), schema.status()))
                .containsOnly(404);
        assertThat(subject.errorCode()).isEqualTo(40401);
        assertThat(subject.json().path("message").asText()).isEqualTo("Subject 'nowhere' not found.");
        assertThat(latestOfMissing.errorCode()).isEqualTo(40401);
        assertThat(version.errorCode()).isEqualTo(40402);
        assertThat(version.json().path("message").asText()).isEqualTo("Version 7 not found.");
        assertThat(schema.errorCode()).isEqualTo(40403);
        assertThat(schema.json().path("message").asText()).isEqualTo("Schema 99 not found");
    }

    @Test
    void shouldRejectAVersionThatIsNeitherAPositiveNumberNorLatestWith42202() {
        client.registerOk("orders-value", ORDER_V1);

        Response word = client.get("/subjects/orders-value/versions/newest");
        Response zero = client.get("/subjects/orders-value/versions/0");

        assertThat(word.status()).isEqualTo(422);
        assertThat(word.errorCode()).isEqualTo(42202);
        assertThat(zero.errorCode()).isEqualTo(42202);
    }

    @Test
    void shouldRejectAnUnparseableSchemaWith42201() {
        Response garbage = client.register("orders-value", "{\"type\":\"record\",\"name\":\"Broken\"");
        Response unknownType = client.register("orders-value", "{\"type\":\"no-such-type\"}");

        assertThat(garbage.status()).isEqualTo(422);
        assertThat(garbage.errorCode()).isEqualTo(42201);
        assertThat(garbage.json().path("message").asText()).startsWith("Invalid schema");
        assertThat(unknownType.errorCode()).isEqualTo(42201);
        assertThat(client.get("/subjects").json()).isEmpty();
    }

    @Test
    void shouldRejectASchemaTypeOtherThanAvroWith42201() {
        String body = "{\"schemaType\":\"PROTOBUF\",\"schema\":\"syntax = \\\"proto3\\\"; message M {}\"}";

        Response response = client.post("/subjects/orders-value/versions", body);

        assertThat(response.status()).isEqualTo(422);
        assertThat(response.errorCode()).isEqualTo(42201);
        assertThat(response.json().path("message").asText()).contains("only AVRO");
    }

    @Test
    void shouldAnswerUnknownPathsWith404AndErrorCode40401() {
        Response associations = client.get("/associations/resources/-/orders?resourceType=topic");

        assertThat(associations.status()).isEqualTo(404);
        assertThat(associations.errorCode()).isEqualTo(40401);
        assertThat(associations.contentType()).isEqualTo(RegistryHttpClient.CONTENT_TYPE);
    }

    @Test
    void shouldSendTheRegistryContentTypeOnEveryResponseIncludingErrors() {
        client.registerOk("orders-value", ORDER_V1);

        List<Response> responses = List.of(
                client.get("/"),
                client.get("/health"),
                client.get("/schemas/types"),
                client.get("/subjects"),
                client.get("/subjects/orders-value/versions/1/schema"),
                client.register("orders-value", "not json"),
                client.get("/subjects/nowhere/versions"),
                client.put("/config", "{\"compatibility\":\"SIDEWAYS\"}"),
                client.get("/no/such/path"));

        assertThat(responses).extracting(Response::contentType).containsOnly(RegistryHttpClient.CONTENT_TYPE);
        assertThat(responses.get(0).body()).isEqualTo("{}");
        assertThat(responses.get(1).body()).isEqualTo("{\"status\":\"UP\"}");
        assertThat(responses.get(2).body()).isEqualTo("[\"AVRO\"]");
    }

    @Test
    void shouldAcceptTheRegistryAndPlainJsonContentTypesAndRefuseOthersWith415() {
        String body = RegistryHttpClient.schemaBody(ORDER_V1);
        String path = "/subjects/orders-value/versions";

        Response v1 = client.send("POST", path, body, "application/vnd.schemaregistry.v1+json");
        Response generic = client.send("POST", path, body, "application/vnd.schemaregistry+json");
        Response json = client.send("POST", path, body, "application/json; charset=utf-8");
        Response text = client.send("POST", path, body, "text/plain");

        assertThat(List.of(v1.status(), generic.status(), json.status())).containsOnly(200);
        assertThat(text.status()).isEqualTo(415);
        assertThat(text.errorCode()).isEqualTo(415);
    }

    @Test
    void shouldDecodeUrlEncodedSubjectNames() {
        int id = client.registerOk("orders%20value%3Av1", ORDER_V1);

        assertThat(client.get("/subjects").json()).hasToString("[\"orders value:v1\"]");
        assertThat(client.get("/subjects/orders%20value%3Av1/versions/latest")
                        .json()
                        .path("id")
                        .asInt())
                .isEqualTo(id);
    }

    @Test
    void shouldSoftDeleteASubjectAndDeleteItPermanentlyOnlyAfterwards() {
        int id = client.registerOk("orders-value", ORDER_V1);
        client.registerOk("orders-value", ORDER_WITH_NOTE);

        Response tooEarly = client.delete("/subjects/orders-value?permanent=true");
        Response soft = client.delete("/subjects/orders-value");
        Response softAgain = client.delete("/subjects/orders-value");

        assertThat(tooEarly.errorCode()).isEqualTo(40405);
        assertThat(soft.body()).isEqualTo("[1,2]");
        assertThat(softAgain.errorCode()).isEqualTo(40404);
        assertThat(client.get("/subjects").json()).isEmpty();
        assertThat(client.get("/subjects?deleted=true").json()).hasToString("[\"orders-value\"]");
        assertThat(client.get("/subjects/orders-value/versions").errorCode()).isEqualTo(40401);
        assertThat(client.get("/schemas/ids/" + id).status())
                .as("a soft-deleted schema stays readable by id for consumers")
                .isEqualTo(200);

        Response permanent = client.delete("/subjects/orders-value?permanent=true");

        assertThat(permanent.json()).hasToString("[1,2]");
        assertThat(client.get("/subjects?deleted=true").json()).isEmpty();
        assertThat(client.get("/schemas/ids/" + id).errorCode()).isEqualTo(40403);
    }

    @Test
    void shouldContinueVersionNumbersAndKeepTheIdWhenASoftDeletedSchemaIsRegisteredAgain() {
        int id = client.registerOk("orders-value", ORDER_V1);
        client.delete("/subjects/orders-value/versions/1");

        int again = client.registerOk("orders-value", ORDER_V1);

        assertThat(again).isEqualTo(id);
        assertThat(client.get("/subjects/orders-value/versions").json()).hasToString("[2]");
        assertThat(client.get("/subjects/orders-value/versions/1").errorCode()).isEqualTo(40402);
        assertThat(client.get("/subjects/orders-value/versions/1?deleted=true")
                        .json()
                        .path("id")
                        .asInt())
                .isEqualTo(id);
    }
}
