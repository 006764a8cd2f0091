package dev.sluice.devstack.registry;

import static dev.sluice.devstack.registry.TestSchemas.ORDER_V1;
import static dev.sluice.devstack.registry.TestSchemas.ORDER_WITH_AMOUNT;
import static dev.sluice.devstack.registry.TestSchemas.ORDER_WITH_NOTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.devstack.KafkaBroker;
import dev.sluice.schemas.registry.RestSchemaRegistry;
import dev.sluice.schemas.registry.SchemaRegistry;
import dev.sluice.schemas.registry.SchemaRegistryException;
import java.time.Duration;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** The project's own registry client, unchanged, against this server. */
class RestSchemaRegistryInteropIT {
    private static KafkaBroker broker;
    private DevSchemaRegistry registry;
    private SchemaRegistry client;

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
                "interop-" + test.getTestMethod().orElseThrow().getName());
        client = new RestSchemaRegistry(registry.url() + "/");
    }

    @AfterEach
    void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void shouldRegisterLookUpAndFetchByIdThroughTheSluiceClient() {
        Schema v1 = parse(ORDER_V1);

        int id = client.register("orders-value", v1);
        int looked = new RestSchemaRegistry(registry.url()).lookupId("orders-value", v1);
        Schema fetched = new RestSchemaRegistry(registry.url()).schemaById(id);
        SchemaRegistry.SubjectVersion latest = client.latest("orders-value");

        assertThat(looked).isEqualTo(id);
        assertThat(fetched).isEqualTo(v1);
        assertThat(latest.subject()).isEqualTo("orders-value");
        assertThat(latest.version()).isEqualTo(1);
        assertThat(latest.id()).isEqualTo(id);
        assertThat(latest.schema()).isEqualTo(v1);
        assertThat(client.subjects()).containsExactly("orders-value");
        assertThat(client.versions("orders-value")).containsExactly(1);
    }

    @Test
    void shouldSurfaceNotFoundAndIncompatibleAsTheClientsExceptions() {
        client.register("orders-value", parse(ORDER_V1));

        assertThatThrownBy(() -> client.schemaById(404))
                .isInstanceOfSatisfying(
                        SchemaRegistryException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND));
        assertThatThrownBy(() -> client.lookupId("orders-value", parse(ORDER_WITH_NOTE)))
                .isInstanceOfSatisfying(
                        SchemaRegistryException.class,
                        e -> assertThat(e.isNotFound()).isTrue());
        assertThatThrownBy(() -> client.register("orders-value", parse(ORDER_WITH_AMOUNT)))
                .isInstanceOf(SchemaRegistryException.Incompatible.class)
                .hasMessageContaining("orders-value");
    }

    @Test
    void shouldCheckCompatibilityThroughTheSluiceClient() {
        client.register("orders-value", parse(ORDER_V1));

        assertThat(client.isCompatible("orders-value", parse(ORDER_WITH_NOTE))).isTrue();
        assertThat(client.isCompatible("orders-value", parse(ORDER_WITH_AMOUNT)))
                .isFalse();
        assertThat(client.isCompatible("not-yet-registered", parse(ORDER_WITH_AMOUNT)))
                .as("the client treats a missing subject as compatible")
                .isTrue();
    }

    @Test
    void shouldGetAndSetCompatibilityLevelsThroughTheSluiceClient() {
        client.register("orders-value", parse(ORDER_V1));

        String initialGlobal = client.compatibility(null);
        client.setCompatibility(null, "FULL");
        client.setCompatibility("orders-value", "NONE");

        assertThat(initialGlobal).isEqualTo("BACKWARD");
        assertThat(client.compatibility(null)).isEqualTo("FULL");
        assertThat(client.compatibility("orders-value")).isEqualTo("NONE");
        assertThat(client.compatibility("other-value"))
                .as("falls back to the global level")
                .isEqualTo("FULL");
        assertThat(client.register("orders-value", parse(ORDER_WITH_AMOUNT))).isEqualTo(2);
    }

    private static Schema parse(String text) {
        return new Schema.Parser().parse(text);
    }
}
