package dev.sluice.devstack.registry;

import static dev.sluice.devstack.registry.TestSchemas.ORDER_V1;
import static dev.sluice.devstack.registry.TestSchemas.ORDER_WITH_AMOUNT;
import static dev.sluice.devstack.registry.TestSchemas.ORDER_WITH_NOTE;
import static dev.sluice.devstack.registry.TestSchemas.PAYMENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.devstack.KafkaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** What survives a restart, and what the schemas topic holds. */
class RegistryRestartIT {
    private static KafkaBroker broker;

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

    @Test
    void shouldKeepIdsVersionsAndConfigAcrossARestartAndContinueTheIdSequence(TestInfo test) {
        String topic = topic(test);
        int orderV1;
        int orderV2;
        int payment;
        try (DevSchemaRegistry first = DevSchemaRegistry.start(broker.bootstrapServers(), "127.0.0.1", 0, topic)) {
            RegistryHttpClient client = new RegistryHttpClient(first.url());
            orderV1 = client.registerOk("orders-value", ORDER_V1);
            orderV2 = client.registerOk("orders-value", ORDER_WITH_NOTE);
            payment = client.registerOk("payments-value", PAYMENT);
            client.put("/config", "{\"compatibility\":\"FULL\"}");
            client.put("/config/payments-value", "{\"compatibility\":\"NONE\"}");
        }

        try (DevSchemaRegistry second = DevSchemaRegistry.start(broker.bootstrapServers(), "127.0.0.1", 0, topic)) {
            RegistryHttpClient client = new RegistryHttpClient(second.url());

            assertThat(client.get("/subjects").json()).hasToString("[\"orders-value\",\"payments-value\"]");
            assertThat(client.get("/subjects/orders-value/versions").json()).hasToString("[1,2]");
            assertThat(client.get("/subjects/orders-value/versions/1")
                            .json()
                            .path("id")
                            .asInt())
                    .isEqualTo(orderV1);
            assertThat(client.get("/subjects/orders-value/versions/2")
                            .json()
                            .path("id")
                            .asInt())
                    .isEqualTo(orderV2);
            assertThat(client.get("/schemas/ids/" + payment)
                            .json()
                            .path("schema")
                            .asText())
                    .contains("Payment");
            assertThat(client.get("/config").body()).isEqualTo("{\"compatibilityLevel\":\"FULL\"}");
            assertThat(client.get("/config/payments-value").body()).isEqualTo("{\"compatibilityLevel\":\"NONE\"}");
            assertThat(client.registerOk("orders-value", ORDER_V1))
                    .as("already registered")
                    .isEqualTo(orderV1);
            assertThat(client.register("orders-value", ORDER_WITH_AMOUNT).status())
                    .as("FULL still enforced after the restart")
                    .isEqualTo(409);

            int next = client.registerOk("archive-value", ORDER_WITH_AMOUNT);

            assertThat(next).isEqualTo(payment + 1);
        }
    }

    @Test
    void shouldKeepSoftDeletesAndForgetPermanentDeletesAcrossARestart(TestInfo test) {
        String topic = topic(test);
        int softId;
        try (DevSchemaRegistry first = DevSchemaRegistry.start(broker.bootstrapServers(), "127.0.0.1", 0, topic)) {
            RegistryHttpClient client = new RegistryHttpClient(first.url());
            softId = client.registerOk("soft-value", ORDER_V1);
            client.registerOk("hard-value", PAYMENT);
            client.delete("/subjects/soft-value");
            client.delete("/subjects/hard-value");
            client.delete("/subjects/hard-value?permanent=true");
        }

        try (DevSchemaRegistry second = DevSchemaRegistry.start(broker.bootstrapServers(), "127.0.0.1", 0, topic)) {
            RegistryHttpClient client = new RegistryHttpClient(second.url());

            assertThat(client.get("/subjects").json()).isEmpty();
            assertThat(client.get("/subjects?deleted=true").json()).hasToString("[\"soft-value\"]");
            assertThat(client.get("/schemas/ids/" + softId).status()).isEqualTo(200);
        }
    }

    @Test
    void shouldCreateTheTopicCompactedWithOnePartitionAndStoreFactsUnderJsonKeys(TestInfo test) throws Exception {
        String topic = topic(test);
        try (DevSchemaRegistry registry = DevSchemaRegistry.start(broker.bootstrapServers(), "127.0.0.1", 0, topic)) {
            RegistryHttpClient client = new RegistryHttpClient(registry.url());
            client.registerOk("orders-value", ORDER_V1);
            client.put("/config", "{\"compatibility\":\"NONE\"}");
        }

        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config config = admin.describeConfigs(Set.of(resource)).all().get().get(resource);
            assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
            assertThat(admin.describeTopics(Set.of(topic))
                            .allTopicNames()
                            .get()
                            .get(topic)
                            .partitions())
                    .hasSize(1);
        }
        List<ConsumerRecord<String, String>> records = readAll(topic);
        ObjectMapper json = new ObjectMapper();
        assertThat(records)
                .extracting(ConsumerRecord::key)
                .containsExactly(
                        "{\"keytype\":\"SCHEMA\",\"subject\":\"orders-value\",\"version\":1,\"magic\":1}",
                        "{\"keytype\":\"CONFIG\",\"subject\":null,\"magic\":0}");
        assertThat(json.readTree(records.get(0).value()).path("id").asInt()).isEqualTo(1);
        assertThat(json.readTree(records.get(0).value()).path("deleted").asBoolean(true))
                .isFalse();
        assertThat(records.get(1).value()).isEqualTo("{\"compatibilityLevel\":\"NONE\"}");
    }

    @Test
    void shouldRefuseToStartOnATopicWithMoreThanOnePartition(TestInfo test) throws Exception {
        String topic = topic(test);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
        }

        assertThatThrownBy(() -> DevSchemaRegistry.start(broker.bootstrapServers(), "127.0.0.1", 0, topic))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("has 3 partitions");
    }

    private static String topic(TestInfo test) {
        return "restart-" + test.getTestMethod().orElseThrow().getName();
    }

    private static List<ConsumerRecord<String, String>> readAll(String topic) {
        TopicPartition partition = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(
                Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                new StringDeserializer(),
                new StringDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            List<ConsumerRecord<String, String>> out = new ArrayList<>();
            await().alias("read the schemas topic to offset " + end)
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> {
                        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
                        return consumer.position(partition) >= end;
                    });
            return out;
        }
    }
}
