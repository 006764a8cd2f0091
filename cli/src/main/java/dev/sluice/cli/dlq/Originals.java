package dev.sluice.cli.dlq;

import dev.sluice.schemas.registry.SchemaRegistry;
import dev.sluice.schemas.serde.WireFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.OptionalInt;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * What a dead letter's original bytes were: a Sluice record decoded by the writer's schema from the
 * registry (any record in the wire format, those of internal topics too), or else text or hex.
 */
final class Originals {
    /** The bytes shown as hex when a value is not a record: enough to recognise, not a screenful of 64 KiB. */
    static final int HEX_PREVIEW_BYTES = 256;

    private final SchemaRegistry registry;

    Originals(SchemaRegistry registry) {
        this.registry = registry;
    }

    /** A record decoded: its schema's full name and the record as JSON. */
    record Decoded(String type, int schemaId, String json) {}

    /**
     * The value as the record it was written as; null when it is not in the wire format, its
     * schema is not in the registry, or it does not decode whole (a cut value never does).
     */
    Decoded decode(byte[] value) {
        GenericRecord record = record(value);
        if (record == null) {
            return null;
        }
        return new Decoded(
                record.getSchema().getFullName(),
                WireFormat.schemaIdOf(value).getAsInt(),
                GenericData.get().toString(record));
    }

    /** The requestId the value names (a request's, a job's request's, a result's), or null. */
    String requestId(byte[] value) {
        GenericRecord record = record(value);
        if (record == null) {
            return null;
        }
        Object id = field(record, "requestId");
        if (id == null && field(record, "request") instanceof GenericRecord request) {
            id = field(request, "requestId");
        }
        return id == null ? null : id.toString();
    }

    private GenericRecord record(byte[] value) {
        OptionalInt id = WireFormat.schemaIdOf(value);
        if (id.isEmpty()) {
            return null;
        }
        try {
            Schema schema = registry.schemaById(id.getAsInt());
            BinaryDecoder in = DecoderFactory.get()
                    .binaryDecoder(value, WireFormat.HEADER_SIZE, value.length - WireFormat.HEADER_SIZE, null);
            Object read = new GenericDatumReader<>(schema).read(null, in);
            return in.isEnd() && read instanceof GenericRecord r ? r : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static Object field(GenericRecord record, String name) {
        return record.getSchema().getField(name) == null ? null : record.get(name);
    }

    /** Bytes as UTF-8 text when they are that (keys are), else as hex, at most {@link #HEX_PREVIEW_BYTES} of them. */
    static String text(byte[] bytes) {
        if (bytes == null) {
            return "(none)";
        }
        try {
            String s = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
            if (s.chars().noneMatch(c -> Character.isISOControl(c) && c != '\n' && c != '\t')) {
                return s;
            }
        } catch (CharacterCodingException e) {
            // not text: shown as hex below
        }
        return hex(bytes);
    }

    static String hex(byte[] bytes) {
        int shown = Math.min(bytes.length, HEX_PREVIEW_BYTES);
        return "0x" + HexFormat.of().formatHex(bytes, 0, shown)
                + (shown < bytes.length ? " ... (" + (bytes.length - shown) + " more bytes)" : "");
    }
}
