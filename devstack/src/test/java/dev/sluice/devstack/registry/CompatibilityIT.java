package dev.sluice.devstack.registry;

import static dev.sluice.devstack.registry.TestSchemas.ORDER_V1;
import static dev.sluice.devstack.registry.TestSchemas.ORDER_WITH_AMOUNT;
import static dev.sluice.devstack.registry.TestSchemas.ORDER_WITH_NOTE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.devstack.KafkaBroker;
import dev.sluice.devstack.registry.RegistryHttpClient.Response;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** Compatibility levels, their enforcement on registration, the check endpoint and /config. */
class CompatibilityIT {
    /** Order with the "id" field removed: old readers (V1) need it and it has no default. */
    private static final String ORDER_WITHOUT_ID = """
            {"type":"record","name":"Order","namespace":"dev.sluice.test","fields":[
              {"name":"note","type":"string","default":""}]}""";
    /** Order whose "note" is an int: V1-with-note data (a string note) cannot be read. */
    private static final String ORDER_WITH_INT_NOTE = """
            {"type":"record","name":"Order","namespace":"dev.sluice.test","fields":[
              {"name":"id","type":"string"},
              {"name":"note","type":"int","default":0}]}""";

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
                "compat-" + test.getTestMethod().orElseThrow().getName());
        client = new RegistryHttpClient(registry.url());
    }

    @AfterEach
    void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void shouldAcceptAFieldAddedWithADefaultUnderTheDefaultBackwardLevel() {
        client.registerOk("orders-value", ORDER_V1);

        Response evolved = client.register("orders-value", ORDER_WITH_NOTE);

        assertThat(evolved.status()).isEqualTo(200);
        assertThat(client.get("/subjects/orders-value/versions").json()).hasToString("[1,2]");
    }

    @Test
    void shouldRejectAFieldAddedWithoutADefaultUnderBackwardWith409() {
        client.registerOk("orders-value", ORDER_V1);

        Response rejected = client.register("orders-value", ORDER_WITH_AMOUNT);

        assertThat(rejected.status()).isEqualTo(409);
        assertThat(rejected.errorCode()).isEqualTo(409);
        assertThat(rejected.contentType()).isEqualTo(RegistryHttpClient.CONTENT_TYPE);
        assertThat(rejected.json().path("message").asText())
                .startsWith("Schema being registered is incompatible with an earlier schema for subject"
                        + " \"orders-value\", details: [")
                .contains(
                        "READER_FIELD_MISSING_DEFAULT_VALUE",
                        "'amount'",
                        "{oldSchemaVersion: 1}",
                        "{compatibility: 'BACKWARD'}");
        assertThat(client.get("/subjects/orders-value/versions").json()).hasToString("[1]");
    }

    @Test
    void shouldAllowAnyChangeWhenTheSubjectLevelIsNone() {
        client.registerOk("orders-value", ORDER_V1);
        client.put("/config/orders-value", "{\"compatibility\":\"NONE\"}");

        Response accepted = client.register("orders-value", ORDER_WITH_AMOUNT);

        assertThat(accepted.status()).isEqualTo(200);
    }

    @Test
    void shouldAcceptAddedFieldsButRejectARemovedRequiredFieldUnderForward() {
        client.put("/config", "{\"compatibility\":\"FORWARD\"}");
        client.registerOk("orders-value", ORDER_V1);

        Response addedRequired = client.register("orders-value", ORDER_WITH_AMOUNT);
        Response removedId = client.register("orders-value", ORDER_WITHOUT_ID);

        assertThat(addedRequired.status()).as("V1 readers ignore the new field").isEqualTo(200);
        assertThat(removedId.status()).isEqualTo(409);
        assertThat(removedId.json().path("message").asText()).contains("'id'", "{compatibility: 'FORWARD'}");
    }

    @Test
    void shouldRequireBothDirectionsUnderFull() {
        client.put("/config/orders-value", "{\"compatibility\":\"FULL\"}");
        client.registerOk("orders-value", ORDER_V1);

        Response withoutDefault = client.register("orders-value", ORDER_WITH_AMOUNT);
        Response withDefault = client.register("orders-value", ORDER_WITH_NOTE);

        assertThat(withoutDefault.status())
                .as("backward fails: no default for amount")
                .isEqualTo(409);
        assertThat(withDefault.status()).isEqualTo(200);
    }

    @Test
    void shouldCheckEveryLiveVersionOnlyUnderATransitiveLevel() {
        client.registerOk("orders-value", ORDER_WITH_NOTE);
        client.put("/config/orders-value", "{\"compatibility\":\"NONE\"}");
        client.registerOk("orders-value", ORDER_V1);

        client.put("/config/orders-value", "{\"compatibility\":\"BACKWARD\"}");
        Response againstLatest = client.post(
                "/compatibility/subjects/orders-value/versions/latest",
                RegistryHttpClient.schemaBody(ORDER_WITH_INT_NOTE));
        client.put("/config/orders-value", "{\"compatibility\":\"BACKWARD_TRANSITIVE\"}");
        Response transitive = client.register("orders-value", ORDER_WITH_INT_NOTE);

        assertThat(againstLatest.json().path("is_compatible").asBoolean()).isTrue();
        assertThat(transitive.status()).isEqualTo(409);
        assertThat(transitive.json().path("message").asText()).contains("TYPE_MISMATCH", "{oldSchemaVersion: 1}");
    }

    @Test
    void shouldReportCompatibilityWithoutRegistering() {
        client.registerOk("orders-value", ORDER_V1);

        Response compatible = client.post(
                "/compatibility/subjects/orders-value/versions/latest", RegistryHttpClient.schemaBody(ORDER_WITH_NOTE));
        Response incompatible = client.post(
                "/compatibility/subjects/orders-value/versions/1?verbose=true",
                RegistryHttpClient.schemaBody(ORDER_WITH_AMOUNT));
        Response missingSubject =
                client.post("/compatibility/subjects/nowhere/versions/latest", RegistryHttpClient.schemaBody(ORDER_V1));
        Response missingVersion =
                client.post("/compatibility/subjects/orders-value/versions/5", RegistryHttpClient.schemaBody(ORDER_V1));

        assertThat(compatible.body()).isEqualTo("{\"is_compatible\":true}");
        assertThat(incompatible.json().path("is_compatible").asBoolean()).isFalse();
        assertThat(incompatible.json().path("messages").toString()).contains("READER_FIELD_MISSING_DEFAULT_VALUE");
        assertThat(missingSubject.status()).isEqualTo(404);
        assertThat(missingSubject.errorCode()).isEqualTo(40401);
        assertThat(missingVersion.errorCode()).isEqualTo(40402);
        assertThat(client.get("/subjects/orders-value/versions").json()).hasToString("[1]");
    }

    @Test
    void shouldDefaultTheGlobalLevelToBackwardAndLetItBeChanged() {
        Response initial = client.get("/config");

        Response set = client.put("/config", "{\"compatibility\":\"full\"}");
        Response afterSet = client.get("/config");
        Response reset = client.delete("/config");

        assertThat(initial.body()).isEqualTo("{\"compatibilityLevel\":\"BACKWARD\"}");
        assertThat(set.body()).isEqualTo("{\"compatibility\":\"FULL\"}");
        assertThat(afterSet.body()).isEqualTo("{\"compatibilityLevel\":\"FULL\"}");
        assertThat(reset.body()).isEqualTo("{\"compatibilityLevel\":\"FULL\"}");
        assertThat(client.get("/config").body()).isEqualTo("{\"compatibilityLevel\":\"BACKWARD\"}");
    }

    @Test
    void shouldAnswer40408ForASubjectWithoutItsOwnLevelUnlessAskedToDefaultToGlobal() {
        client.registerOk("orders-value", ORDER_V1);
        client.put("/config", "{\"compatibility\":\"FORWARD_TRANSITIVE\"}");

        Response own = client.get("/config/orders-value");
        Response fallback = client.get("/config/orders-value?defaultToGlobal=true");

        assertThat(own.status()).isEqualTo(404);
        assertThat(own.errorCode()).isEqualTo(40408);
        assertThat(own.json().path("message").asText())
                .isEqualTo("Subject 'orders-value' does not have subject-level compatibility configured");
        assertThat(fallback.body()).isEqualTo("{\"compatibilityLevel\":\"FORWARD_TRANSITIVE\"}");
    }

    @Test
    void shouldSetAndDeleteASubjectLevelWithoutTouchingTheGlobalOne() {
        Response set = client.put("/config/orders-value", "{\"compatibility\":\"NONE\"}");
        Response read = client.get("/config/orders-value");
        Response deleted = client.delete("/config/orders-value");

        assertThat(set.body()).isEqualTo("{\"compatibility\":\"NONE\"}");
        assertThat(read.body()).isEqualTo("{\"compatibilityLevel\":\"NONE\"}");
        assertThat(deleted.body()).isEqualTo("{\"compatibilityLevel\":\"NONE\"}");
        assertThat(client.get("/config/orders-value").errorCode()).isEqualTo(40408);
        assertThat(client.get("/config").body()).isEqualTo("{\"compatibilityLevel\":\"BACKWARD\"}");
    }

    @Test
    void shouldRejectAnUnknownCompatibilityLevelWith42203() {
        Response global = client.put("/config", "{\"compatibility\":\"SIDEWAYS\"}");
        Response subject = client.put("/config/orders-value", "{\"compatibility\":\"\"}");

        assertThat(global.status()).isEqualTo(422);
        assertThat(global.errorCode()).isEqualTo(42203);
        assertThat(global.json().path("message").asText()).startsWith("Invalid compatibility level");
        assertThat(subject.errorCode()).isEqualTo(42203);
        assertThat(client.get("/config").body()).isEqualTo("{\"compatibilityLevel\":\"BACKWARD\"}");
    }
}
