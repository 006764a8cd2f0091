package dev.sluice.runtime.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.runtime.config.ConfigException;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class GroupMembershipTest {

    private static KafkaSettings read(Map<String, String> extra, int defaultOpsPort) {
        Map<String, String> values = new HashMap<>(
                Map.of("kafka.bootstrap.servers", "127.0.0.1:9092", "schema.registry.url", "http://127.0.0.1:8081"));
        values.putAll(extra);
        Settings s = new Settings(ConfigSource.of(values));
        KafkaSettings kafka = KafkaSettings.read(s, defaultOpsPort);
        s.validate();
        return kafka;
    }

    @Test
    void shouldNameEachConsumerOfAnInstanceAfterTheHostTheOpsPortAndItsRole() {
        KafkaSettings kafka = read(Map.of(), 9402);

        Map<String, Object> jobs = ClientProps.consumer(kafka, "sluice-workers", "worker-1", "jobs");
        Map<String, Object> batch = ClientProps.consumer(kafka, "sluice-workers", "worker-1-batch", "batch");

        assertThat((String) jobs.get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG))
                .endsWith("-9402-jobs")
                .matches("[A-Za-z0-9._-]+");
        assertThat((String) batch.get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG)).endsWith("-9402-batch");
    }

    @Test
    void shouldTakeTheConfiguredInstanceIdOverTheDefault() {
        KafkaSettings kafka = read(Map.of("kafka.group.instance.id", "router-0", "ops.port", "0"), 9401);

        assertThat(ClientProps.streams(kafka, "sluice-router", Path.of("state"))
                        .get(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG)))
                .isEqualTo("router-0");
        assertThat(ClientProps.consumer(kafka, "g", "c", "webhooks").get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG))
                .isEqualTo("router-0-webhooks");
    }

    @Test
    void shouldStayDynamicWithoutAFixedOpsPortOrWhenTurnedOff() {
        KafkaSettings anyPort = read(Map.of("ops.port", "0"), 9402);
        KafkaSettings off = read(Map.of("kafka.group.instance.id", KafkaSettings.DYNAMIC), 9402);

        assertThat(ClientProps.consumer(anyPort, "g", "c", "jobs"))
                .doesNotContainKey(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        assertThat(ClientProps.consumer(off, "g", "c", "jobs"))
                .doesNotContainKey(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        assertThat(ClientProps.streams(off, "a", Path.of("s")))
                .doesNotContainKey(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG));
    }

    @Test
    void shouldRejectAnInstanceIdTheBrokerWouldRefuse() {
        assertThatThrownBy(() -> read(Map.of("kafka.group.instance.id", "pod 0/a"), 9402))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kafka.group.instance.id");
    }
}
