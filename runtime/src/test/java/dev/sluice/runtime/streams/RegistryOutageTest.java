package dev.sluice.runtime.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.registry.SchemaRegistryException;
import dev.sluice.schemas.serde.SerdeConfig;
import java.io.IOException;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

/** A registry outage is not bad input: Streams records are read again, never dead-lettered. */
class RegistryOutageTest {
    private static final SerializationException OUTAGE = new SerializationException(
            "no schema 7", new SchemaRegistryException.Unavailable("not reachable", new IOException("refused")));

    private final DeadLetterHandler handler = new DeadLetterHandler();
    private final ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(
            "llm.requests", 0, 42L, "acme".getBytes(java.nio.charset.StandardCharsets.UTF_8), new byte[] {
                0, 0, 0, 0, 7, 2
            });

    RegistryOutageTest() {
        handler.configure(Map.of(
                DeadLetterHandler.TOPIC,
                "llm.dead-letters",
                DeadLetterHandler.SERVICE,
                "router",
                SerdeConfig.SCHEMA_REGISTRY_URL,
                SerdeConfig.MOCK_SCHEME + "registry-outage-test"));
    }

    @Test
    void shouldFailInsteadOfDeadLetteringARecordTheRegistryCouldNotDecode() {
        DeserializationExceptionHandler.Response response = handler.handleError(null, record, OUTAGE);

        assertThat(response.result()).isEqualTo(DeserializationExceptionHandler.Result.FAIL);
        assertThat(response.deadLetterQueueRecords()).isEmpty();
    }

    @Test
    void shouldStillDeadLetterBytesThatAreNotARecord() {
        DeserializationExceptionHandler.Response response =
                handler.handleError(null, record, new SerializationException("starts with byte 0x7b"));

        assertThat(response.result()).isEqualTo(DeserializationExceptionHandler.Result.RESUME);
        assertThat(response.deadLetterQueueRecords())
                .singleElement()
                .satisfies(r -> assertThat(r.topic()).isEqualTo("llm.dead-letters"));
    }

    @Test
    void shouldReplaceAThreadThatDiedOfAnOutageAndStopOnAnythingElse() {
        assertThat(StreamsRunner.onThreadDeathFor(new StreamsException("failed", OUTAGE)))
                .isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        assertThat(StreamsRunner.onThreadDeathFor(new IllegalStateException("bug")))
                .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
    }
}
