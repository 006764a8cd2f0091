package dev.sluice.schemas.serde;

import dev.sluice.schemas.registry.SchemaRegistry;
import dev.sluice.schemas.registry.SchemaRegistryException;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads the Confluent wire format into Avro specific records: the writer's schema is fetched by
 * the id in the header (once per id) and resolved against the reader class's schema, so records
 * written with an older or newer compatible schema read fine. Anything that is not the wire format
 * (wrong magic byte, too short, an unknown id, a body that does not decode) is a
 * {@link SerializationException} saying which.
 */
public final class AvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {
    static {
        TrustedPackages.trustSluiceRecords();
    }

    private SchemaRegistry registry;
    private Class<T> type;
    private final Map<Integer, SpecificDatumReader<T>> readers = new ConcurrentHashMap<>();

    /** For Kafka to instantiate by class name; the record class is taken from the writer's schema. */
    public AvroDeserializer() {}

    public AvroDeserializer(SchemaRegistry registry, Class<T> type) {
        this.registry = registry;
        this.type = type;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (registry == null) {
            registry = SerdeConfig.registry(configs);
        }
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length < WireFormat.HEADER_SIZE) {
            throw new SerializationException("Record on " + topic + " has " + data.length
                    + " bytes, fewer than the 5-byte Confluent wire-format header");
        }
        if (data[0] != WireFormat.MAGIC_BYTE) {
            throw new SerializationException("Record on " + topic + " starts with byte " + data[0]
                    + ", not the Confluent wire-format magic byte 0");
        }
        int id = WireFormat.readSchemaId(data);
        SpecificDatumReader<T> reader = reader(topic, id);
        try {
            BinaryDecoder decoder = DecoderFactory.get()
                    .binaryDecoder(data, WireFormat.HEADER_SIZE, data.length - WireFormat.HEADER_SIZE, null);
            T value = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                throw new SerializationException(
                        "Record on " + topic + " has bytes after its Avro body" + " (schema id " + id + ")");
            }
            return value;
        } catch (IOException | RuntimeException e) {
            if (e instanceof SerializationException se) {
                throw se;
            }
            throw new SerializationException(
                    "Record on " + topic + " does not decode with schema id " + id + ": "
                            + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()),
                    e);
        }
    }

    private SpecificDatumReader<T> reader(String topic, int id) {
        SpecificDatumReader<T> reader = readers.get(id);
        if (reader != null) {
            return reader;
        }
        Schema writer;
        try {
            writer = registry.schemaById(id);
        } catch (SchemaRegistryException e) {
            throw new SerializationException(
                    "Record on " + topic + " names schema id " + id + " that the registry cannot give: "
                            + e.getMessage(),
                    e);
        }
        Schema readerSchema = readerSchema(writer);
        reader = new SpecificDatumReader<>(writer, readerSchema, SpecificData.getForSchema(readerSchema));
        readers.put(id, reader);
        return reader;
    }

    @SuppressWarnings("unchecked")
    private Schema readerSchema(Schema writer) {
        if (type == null) {
            Class<?> resolved = SpecificData.get().getClass(writer);
            if (resolved == null || !SpecificRecord.class.isAssignableFrom(resolved)) {
                throw new SerializationException("No generated class for writer schema " + writer.getFullName());
            }
            type = (Class<T>) resolved;
        }
        return SpecificData.get().getSchema(type);
    }
}
