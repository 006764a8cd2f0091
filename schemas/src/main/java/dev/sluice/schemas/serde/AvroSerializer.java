package dev.sluice.schemas.serde;

import dev.sluice.schemas.registry.SchemaRegistry;
import dev.sluice.schemas.registry.SchemaRegistryException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes Avro specific records in the Confluent wire format, registering the record's schema under
 * the TopicNameStrategy subject on first use per topic (or only looking it up when
 * {@code auto.register.schemas=false}). Thread-safe, as a producer's serializer must be.
 *
 * <p>Usable from producer properties ({@code value.serializer=dev.sluice.schemas.serde.AvroSerializer}
 * plus {@code schema.registry.url}) or constructed with a registry client.
 */
public final class AvroSerializer<T extends SpecificRecord> implements Serializer<T> {
    private SchemaRegistry registry;
    private boolean autoRegister = true;
    private boolean isKey;
    /** topic -> schema -> id. Avro's Schema caches its hash code, so the inner lookup is cheap. */
    private final Map<String, Map<Schema, Integer>> idsByTopic = new ConcurrentHashMap<>();

    private final Map<Schema, SpecificDatumWriter<T>> writers = new ConcurrentHashMap<>();

    /** For Kafka to instantiate by class name; {@link #configure} must be called. */
    public AvroSerializer() {}

    public AvroSerializer(SchemaRegistry registry, boolean autoRegister) {
        this.registry = registry;
        this.autoRegister = autoRegister;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.isKey = isKey;
        if (registry == null) {
            this.registry = SerdeConfig.registry(configs);
            this.autoRegister = SerdeConfig.autoRegister(configs);
        }
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        if (registry == null) {
            throw new SerializationException("AvroSerializer is not configured: set schema.registry.url");
        }
        Schema schema = data.getSchema();
        int id = schemaId(topic, schema);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            byte[] header = new byte[WireFormat.HEADER_SIZE];
            WireFormat.writeHeader(header, id);
            out.write(header);
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            writer(schema).write(data, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException(
                    "Could not write a " + schema.getFullName() + " for topic " + topic + ": " + e.getMessage(), e);
        }
    }

    private int schemaId(String topic, Schema schema) {
        Map<Schema, Integer> ids = idsByTopic.computeIfAbsent(topic, t -> new ConcurrentHashMap<>());
        Integer id = ids.get(schema);
        if (id != null) {
            return id;
        }
        String subject = WireFormat.subject(topic, isKey);
        try {
            id = autoRegister ? registry.register(subject, schema) : registry.lookupId(subject, schema);
        } catch (SchemaRegistryException e) {
            throw new SerializationException(
                    "Could not " + (autoRegister ? "register" : "look up") + " the schema " + schema.getFullName()
                            + " under subject " + subject + ": " + e.getMessage(),
                    e);
        }
        ids.put(schema, id);
        return id;
    }

    private SpecificDatumWriter<T> writer(Schema schema) {
        return writers.computeIfAbsent(schema, s -> new SpecificDatumWriter<>(s));
    }
}
