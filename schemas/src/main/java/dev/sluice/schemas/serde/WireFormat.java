package dev.sluice.schemas.serde;

/**
 * The Confluent wire format: byte 0 is the magic byte 0, bytes 1 to 4 the schema id as a
 * big-endian int, and the Avro binary encoding of the value follows.
 */
public final class WireFormat {
    public static final byte MAGIC_BYTE = 0;
    public static final int HEADER_SIZE = 5;

    private WireFormat() {}

    public static String subject(String topic, boolean isKey) {
        return topic + (isKey ? "-key" : "-value");
    }

    static void writeHeader(byte[] out, int schemaId) {
        out[0] = MAGIC_BYTE;
        out[1] = (byte) (schemaId >>> 24);
        out[2] = (byte) (schemaId >>> 16);
        out[3] = (byte) (schemaId >>> 8);
        out[4] = (byte) schemaId;
    }

    /** The schema id of a value in the wire format; empty when the value is not in it. */
    public static java.util.OptionalInt schemaIdOf(byte[] value) {
        return value == null || value.length < HEADER_SIZE || value[0] != MAGIC_BYTE
                ? java.util.OptionalInt.empty()
                : java.util.OptionalInt.of(readSchemaId(value));
    }

    static int readSchemaId(byte[] in) {
        return ((in[1] & 0xff) << 24) | ((in[2] & 0xff) << 16) | ((in[3] & 0xff) << 8) | (in[4] & 0xff);
    }
}
