package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CliKafkaTest {

    @Test
    void shouldSignInToASecuredClusterFromTheSameVariablesTheServicesRead() {
        Map<String, Object> settings = CliKafka.client(
                Map.of(
                        "SLUICE_KAFKA_CLIENT_SECURITY_PROTOCOL", "SASL_SSL",
                        "SLUICE_KAFKA_CLIENT_SASL_MECHANISM", "SCRAM-SHA-512",
                        "SLUICE_KAFKA_CLIENT_SSL_TRUSTSTORE_LOCATION", "/tmp/ca.crt",
                        "SLUICE_KAFKA_BOOTSTRAP_SERVERS", "ignored-here:9092",
                        "HOME", "/root"),
                "kafka.example.com:9094",
                "acks",
                "all");

        assertThat(settings)
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "bootstrap.servers", "kafka.example.com:9094",
                        "security.protocol", "SASL_SSL",
                        "sasl.mechanism", "SCRAM-SHA-512",
                        "ssl.truststore.location", "/tmp/ca.crt",
                        "acks", "all"));
    }

    @Test
    void shouldGiveOnlyTheBootstrapServersWithoutVariables() {
        assertThat(CliKafka.client(Map.of(), "127.0.0.1:19092"))
                .containsExactly(Map.entry("bootstrap.servers", "127.0.0.1:19092"));
    }
}
