package dev.sluice.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class SchemaRegistryExceptionTest {

    @Test
    void shouldCallAnOutageOrAServerErrorTransientWhereverItIsInTheCauses() {
        assertThat(SchemaRegistryException.isTransient(new SerializationException(
                        "no schema",
                        new SchemaRegistryException.Unavailable("not reachable", new IOException("refused")))))
                .isTrue();
        assertThat(SchemaRegistryException.isTransient(new SchemaRegistryException("busy", 503, 50003)))
                .isTrue();
        assertThat(SchemaRegistryException.isTransient(new SchemaRegistryException("slow down", 429, 429)))
                .isTrue();
    }

    @Test
    void shouldNotCallBadInputOrAMissingSchemaTransient() {
        assertThat(SchemaRegistryException.isTransient(new SerializationException("starts with byte 0x7b")))
                .isFalse();
        assertThat(SchemaRegistryException.isTransient(new SerializationException(
                        "no such id",
                        new SchemaRegistryException("not found", 404, SchemaRegistryException.SCHEMA_NOT_FOUND))))
                .isFalse();
        assertThat(SchemaRegistryException.isTransient(new SchemaRegistryException.Incompatible("no")))
                .isFalse();
        assertThat(SchemaRegistryException.isTransient(null)).isFalse();
    }
}
