package dev.sluice.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.avro.LlmRequest;
import dev.sluice.avro.Message;
import dev.sluice.avro.Priority;
import dev.sluice.avro.Role;
import dev.sluice.schemas.registry.InMemorySchemaRegistry;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WireFormatTest {
    private final String scope = "wire-" + UUID.randomUUID();
    private final InMemorySchemaRegistry registry = InMemorySchemaRegistry.forScope(scope);

    @AfterEach
    void drop() {
        InMemorySchemaRegistry.dropScope(scope);
    }

    private static LlmRequest request() {
        return LlmRequest.newBuilder()
                .setRequestId("r-1")
                .setTenantId("acme")
                .setPriority(Priority.HIGH)
                .setMessages(List.of(new Message(Role.USER, "Hello, wire", false)))
                .setMetadata(Map.of("team", "search"))
                .setCreatedAt(Instant.parse("2026-11-22T12:00:00.123Z"))
                .build();
    }

    @Test
    void shouldWriteMagicByteThenBigEndianSchemaIdThenAPlainAvroBody() throws Exception {
        byte[] bytes = new AvroSerializer<LlmRequest>(registry, true).serialize("llm.requests", request());

        assertThat(bytes[0]).isEqualTo((byte) 0);
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        assertThat(id).isEqualTo(registry.latest("llm.requests-value").id());

        // Plain Avro, no Sluice or Confluent code: the body after the 5-byte header is the record.
        GenericDatumReader<GenericRecord> reader = new GenericDatumReader<>(LlmRequest.getClassSchema());
        GenericRecord decoded = reader.read(null, DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));
        assertThat(decoded.get("requestId").toString()).isEqualTo("r-1");
        assertThat(decoded.get("priority").toString()).isEqualTo("HIGH");
        assertThat(decoded.get("createdAt"))
                .isEqualTo(Instant.parse("2026-11-22T12:00:00.123Z").toEpochMilli());
        GenericRecord message = (GenericRecord) ((List<?>) decoded.get("messages")).getFirst();
        assertThat(message.get("content").toString()).isEqualTo("Hello, wire");
    }

    @Test
    void shouldRegisterUnderTheTopicNameStrategySubject() {
        new AvroSerializer<LlmRequest>(registry, true).serialize("llm.requests", request());

        assertThat(registry.subjects()).containsExactly("llm.requests-value");
        assertThat(registry.latest("llm.requests-value").schema()).isEqualTo(LlmRequest.getClassSchema());
    }

    @Test
    void shouldRoundTripThroughOurDeserializer() {
        byte[] bytes = new AvroSerializer<LlmRequest>(registry, true).serialize("llm.requests", request());
        LlmRequest back = new AvroDeserializer<>(registry, LlmRequest.class).deserialize("llm.requests", bytes);
        assertThat(back).isEqualTo(request());
    }

    @Test
    void shouldReadARecordWrittenWithAnOlderSchemaThatLackedNewFields() throws Exception {
        // An older LlmRequest with only the required fields: readers fill the rest with defaults.
        Schema message = LlmRequest.getClassSchema().getField("messages").schema();
        Schema old = SchemaBuilder.record("LlmRequest")
                .namespace("dev.sluice.avro")
                .fields()
                .requiredString("requestId")
                .requiredString("tenantId")
                .name("messages")
                .type(message)
                .noDefault()
                .name("createdAt")
                .type(LlmRequest.getClassSchema().getField("createdAt").schema())
                .noDefault()
                .endRecord();
        int oldId = registry.register("older-value", old);
        GenericRecord written = new GenericData.Record(old);
        written.put("requestId", "r-old");
        written.put("tenantId", "acme");
        GenericRecord msg = new GenericData.Record(message.getElementType());
        msg.put(
                "role",
                new GenericData.EnumSymbol(
                        message.getElementType().getField("role").schema(), "USER"));
        msg.put("content", "from the past");
        msg.put("cacheable", false);
        written.put("messages", List.of(msg));
        written.put("createdAt", Instant.now().truncatedTo(ChronoUnit.MILLIS).toEpochMilli());
        var out = new java.io.ByteArrayOutputStream();
        out.write(new byte[] {0, (byte) (oldId >>> 24), (byte) (oldId >>> 16), (byte) (oldId >>> 8), (byte) oldId});
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(old).write(written, encoder);
        encoder.flush();

        LlmRequest read = new AvroDeserializer<>(registry, LlmRequest.class).deserialize("older", out.toByteArray());

        assertThat(read.getRequestId()).isEqualTo("r-old");
        assertThat(read.getPriority()).isEqualTo(Priority.NORMAL);
        assertThat(read.getMaxOutputTokens()).isEqualTo(1024);
        assertThat(read.getIdempotencyKey()).isNull();
        assertThat(read.getMetadata()).isEmpty();
    }

    /** A specific record over any schema, standing in for two versions of one generated class. */
    private static final class Versioned extends org.apache.avro.specific.SpecificRecordBase {
        private final Schema schema;
        private final Object[] values;

        Versioned(Schema schema, Object... values) {
            this.schema = schema;
            this.values = values;
        }

        @Override
        public Schema getSchema() {
            return schema;
        }

        @Override
        public Object get(int field) {
            return values[field];
        }

        @Override
        public void put(int field, Object value) {
            values[field] = value;
        }
    }

    @Test
    void shouldWriteEachVersionOfARecordWithItsOwnSchemaId() {
        Schema v1 = SchemaBuilder.record("Evolving")
                .namespace("dev.sluice.test")
                .fields()
                .requiredString("a")
                .endRecord();
        Schema v2 = SchemaBuilder.record("Evolving")
                .namespace("dev.sluice.test")
                .fields()
                .requiredString("a")
                .name("b")
                .type()
                .stringType()
                .stringDefault("")
                .endRecord();
        AvroSerializer<Versioned> serializer = new AvroSerializer<>(registry, true);

        byte[] first = serializer.serialize("evolving", new Versioned(v1, "x"));
        byte[] second = serializer.serialize("evolving", new Versioned(v2, "x", "y"));
        byte[] firstAgain = serializer.serialize("evolving", new Versioned(v1, "z"));

        int id1 = ByteBuffer.wrap(first, 1, 4).getInt();
        int id2 = ByteBuffer.wrap(second, 1, 4).getInt();
        assertThat(id1).isNotEqualTo(id2);
        assertThat(registry.schemaById(id1)).isEqualTo(v1);
        assertThat(registry.schemaById(id2)).isEqualTo(v2);
        assertThat(ByteBuffer.wrap(firstAgain, 1, 4).getInt()).isEqualTo(id1);
        assertThat(registry.versions("evolving-value")).containsExactly(1, 2);
    }

    @Test
    void shouldExplainBytesThatAreNotTheWireFormat() {
        var deserializer = new AvroDeserializer<>(registry, LlmRequest.class);
        assertThatThrownBy(() -> deserializer.deserialize(
                        "llm.requests", "{\"json\":true}".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("magic byte");
        assertThatThrownBy(() -> deserializer.deserialize("llm.requests", new byte[] {0, 0, 1}))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("fewer than the 5-byte");
        assertThatThrownBy(() -> deserializer.deserialize("llm.requests", new byte[] {0, 0, 0, 0x7f, 0x11, 2}))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("schema id 32529");
    }

    @Test
    void shouldRefuseTrailingBytesAfterTheBody() {
        byte[] bytes = new AvroSerializer<LlmRequest>(registry, true).serialize("llm.requests", request());
        byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + 3);
        assertThatThrownBy(() -> new AvroDeserializer<>(registry, LlmRequest.class).deserialize("llm.requests", longer))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("bytes after");
    }

    @Test
    void shouldFailWithTheSubjectWhenLookupOnlyFindsNothing() {
        AvroSerializer<LlmRequest> lookupOnly = new AvroSerializer<>(registry, false);
        assertThatThrownBy(() -> lookupOnly.serialize("llm.requests", request()))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("llm.requests-value")
                .hasMessageContaining("look up");
    }
}
