package dev.sluice.router.state;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * JSON for the router's own state (store values and their changelogs). The state never leaves the
 * router, so it needs no registry. JSON tolerates fields added or dropped between versions, so an
 * upgraded router reads the state its predecessor left.
 */
final class JsonSerde<T> implements Serde<T> {
    // Instants as decimal epoch seconds: several times cheaper to parse than ISO-8601 text, and
    // Jackson reads both forms, so state written as text before still reads.
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .enable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Class<T> type;
    private final ObjectWriter writer;
    private final ObjectReader reader;

    JsonSerde(Class<T> type) {
        this.type = type;
        this.writer = JSON.writerFor(type);
        this.reader = JSON.readerFor(type);
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> {
            try {
                return value == null ? null : writer.writeValueAsBytes(value);
            } catch (IOException e) {
                throw new SerializationException("Cannot write router state " + type.getSimpleName(), e);
            }
        };
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> {
            try {
                return bytes == null ? null : reader.readValue(bytes);
            } catch (IOException e) {
                throw new SerializationException("Cannot read router state " + type.getSimpleName(), e);
            }
        };
    }
}
