package dev.sluice.runtime.requests;

import dev.sluice.model.LlmRequest;
import dev.sluice.model.Message;
import dev.sluice.model.ResponseFormat;
import dev.sluice.runtime.config.Settings;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * How large a request may be. Every record a request leads to (its job, its result, the router's
 * state about it) must fit on a topic, so a request is refused before anything is built from it:
 * the router answers REJECTED with the code, ingest answers 400/413. The same limits serve both.
 *
 * <p>Sizes are those of the request's encoded text (UTF-8 bytes of every field), which is what its
 * Avro form costs, give or take a few bytes a field.
 *
 * @param maxRequestBytes the whole request ({@code requests.max.bytes}, 512 KiB): a job adds a few
 *     hundred bytes to it and must stay under the topics' record limit with room to spare
 * @param maxMessages messages in one request ({@code requests.max.messages}, 1,000)
 * @param maxMetadataEntries metadata entries ({@code requests.max.metadata.entries}, 64)
 * @param maxMetadataBytes metadata keys and values together ({@code requests.max.metadata.bytes}, 16 KiB):
 *     metadata is copied onto the result, the webhook and the job status
 */
public record RequestLimits(int maxRequestBytes, int maxMessages, int maxMetadataEntries, int maxMetadataBytes) {
    /** requestId, tenantId, idempotencyKey and userId: identifiers, not data. */
    public static final int MAX_ID_CHARS = 255;

    public static final int MAX_WEBHOOK_CHARS = 2048;

    public static final String REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE";
    public static final String TOO_MANY_MESSAGES = "TOO_MANY_MESSAGES";
    public static final String METADATA_TOO_LARGE = "METADATA_TOO_LARGE";
    public static final String FIELD_TOO_LONG = "FIELD_TOO_LONG";

    public static final RequestLimits DEFAULT = new RequestLimits(512 * 1024, 1_000, 64, 16 * 1024);

    /** A limit a request broke: a stable code, the field it concerns (empty: the whole request) and what to change. */
    public record Violation(String code, String field, String message) {}

    public static RequestLimits read(Settings s) {
        return new RequestLimits(
                (int) s.bytes("requests.max.bytes", DEFAULT.maxRequestBytes(), 1024, 8 * 1024 * 1024),
                s.intValue("requests.max.messages", DEFAULT.maxMessages(), 1, 100_000),
                s.intValue("requests.max.metadata.entries", DEFAULT.maxMetadataEntries(), 0, 10_000),
                (int) s.bytes("requests.max.metadata.bytes", DEFAULT.maxMetadataBytes(), 0, 1024 * 1024));
    }

    /** The first limit the request breaks, or null. Identifiers are checked first: they are cheapest. */
    public Violation check(LlmRequest r) {
        Violation id = longId("idempotencyKey", r.idempotencyKey());
        if (id == null) {
            id = longId("userId", r.userId());
        }
        if (id != null) {
            return id;
        }
        if (r.webhook() != null && r.webhook().length() > MAX_WEBHOOK_CHARS) {
            return new Violation(
                    FIELD_TOO_LONG,
                    "webhook",
                    "webhook is " + r.webhook().length() + " characters; at most " + MAX_WEBHOOK_CHARS);
        }
        if (r.messages().size() > maxMessages) {
            return new Violation(
                    TOO_MANY_MESSAGES,
                    "messages",
                    "the request has " + r.messages().size() + " messages; at most " + maxMessages + " are accepted");
        }
        if (r.metadata().size() > maxMetadataEntries) {
            return new Violation(
                    METADATA_TOO_LARGE,
                    "metadata",
                    "metadata has " + r.metadata().size() + " entries; at most " + maxMetadataEntries
                            + " are accepted");
        }
        long metadataBytes = metadataBytes(r.metadata());
        if (metadataBytes > maxMetadataBytes) {
            return new Violation(
                    METADATA_TOO_LARGE,
                    "metadata",
                    "metadata keys and values take " + metadataBytes + " bytes; at most " + maxMetadataBytes
                            + " are accepted");
        }
        long size = encodedBytes(r);
        if (size > maxRequestBytes) {
            return new Violation(
                    REQUEST_TOO_LARGE,
                    "",
                    "the request is about " + size + " bytes; at most " + maxRequestBytes
                            + " are accepted (messages, metadata and response schema together)");
        }
        return null;
    }

    /** Whether an identifier a result is addressed by is too long to be one. */
    public static boolean idTooLong(String id) {
        return id != null && id.length() > MAX_ID_CHARS;
    }

    private static Violation longId(String field, String value) {
        return idTooLong(value)
                ? new Violation(
                        FIELD_TOO_LONG, field, field + " is " + value.length() + " characters; at most " + MAX_ID_CHARS)
                : null;
    }

    /** UTF-8 bytes of every text field of the request, plus a little per field for framing. */
    public static long encodedBytes(LlmRequest r) {
        long n = 64
                + utf8(r.requestId())
                + utf8(r.tenantId())
                + utf8(r.idempotencyKey())
                + utf8(r.userId())
                + utf8(r.model())
                + utf8(r.webhook());
        for (Message m : r.messages()) {
            n += 4 + utf8(m.content());
        }
        ResponseFormat f = r.responseFormat();
        if (f != null) {
            n += utf8(f.jsonSchema()) + utf8(f.schemaName());
        }
        return n + metadataBytes(r.metadata());
    }

    private static long metadataBytes(Map<String, String> metadata) {
        long n = 0;
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            n += utf8(e.getKey()) + utf8(e.getValue());
        }
        return n;
    }

    private static long utf8(String s) {
        if (s == null) {
            return 0;
        }
        // ASCII text, the common case, without copying it into a byte array.
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return s.getBytes(StandardCharsets.UTF_8).length;
            }
        }
        return s.length();
    }
}
