package dev.sluice.schemas.serde;

import java.util.Map;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A serde for a plain record {@code M} that travels as the Avro record {@code A}: the conversion
 * happens here, at the edge, so services never handle Avro classes.
 */
public final class ModelSerde<M, A extends SpecificRecord> implements Serde<M> {
    private final AvroSerializer<A> serializer;
    private final AvroDeserializer<A> deserializer;
    private final Function<M, A> toAvro;
    private final Function<A, M> fromAvro;
    private final int maxRecordBytes;
    private final OutputGuard guard;
    private final Deserializer<M> decoder;

    public ModelSerde(
            AvroSerializer<A> serializer,
            AvroDeserializer<A> deserializer,
            Function<M, A> toAvro,
            Function<A, M> fromAvro) {
        this(serializer, deserializer, toAvro, fromAvro, Integer.MAX_VALUE);
    }

    /** A serde whose serializer throws {@link RecordTooLargeForTopic} above {@code maxRecordBytes}. */
    public ModelSerde(
            AvroSerializer<A> serializer,
            AvroDeserializer<A> deserializer,
            Function<M, A> toAvro,
            Function<A, M> fromAvro,
            int maxRecordBytes) {
        this(serializer, deserializer, toAvro, fromAvro, maxRecordBytes, null);
    }

    /** As above, and {@code guard} (when not null) sees every value written and may refuse it. */
    public ModelSerde(
            AvroSerializer<A> serializer,
            AvroDeserializer<A> deserializer,
            Function<M, A> toAvro,
            Function<A, M> fromAvro,
            int maxRecordBytes,
            OutputGuard guard) {
        this.serializer = serializer;
        this.deserializer = deserializer;
        this.toAvro = toAvro;
        this.fromAvro = fromAvro;
        this.maxRecordBytes = maxRecordBytes;
        this.guard = guard;
        this.decoder = deserializer();
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        serializer.configure(configs, isKey);
        deserializer.configure(configs, isKey);
    }

    @Override
    public Serializer<M> serializer() {
        return (topic, value) -> {
            if (value == null) {
                return null;
            }
            byte[] bytes = serializer.serialize(topic, toAvro.apply(value));
            if (bytes.length > maxRecordBytes) {
                throw new RecordTooLargeForTopic(topic, bytes.length, maxRecordBytes);
            }
            if (guard != null) {
                guard.check(topic, value, bytes, decoder);
            }
            return bytes;
        };
    }

    @Override
    public Deserializer<M> deserializer() {
        return (topic, bytes) -> {
            A avro = deserializer.deserialize(topic, bytes);
            return avro == null ? null : fromAvro.apply(avro);
        };
    }
}
