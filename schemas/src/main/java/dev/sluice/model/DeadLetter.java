package dev.sluice.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * A record Sluice could not process, kept with its original bytes and where it came from.
 *
 * <p>A dead letter always fits on its topic, whatever it was made from: the record that could not
 * be written may itself be the one that was too large. So the constructor keeps at most
 * {@link #MAX_VALUE_BYTES} of the value, {@link #MAX_KEY_BYTES} of the key,
 * {@link #MAX_HEADER_BYTES} of headers and {@link #MAX_MESSAGE_CHARS} of the error message, and
 * describes the whole value by its size and SHA-256, with {@code truncated} set when anything was
 * cut. About 90 KiB at most, far under any topic's limit.
 */
public record DeadLetter(
        byte[] originalKey,
        byte[] originalValue,
        List<Header> originalHeaders,
        String sourceTopic,
        int sourcePartition,
        long sourceOffset,
        String service,
        String stage,
        String errorClass,
        String errorMessage,
        Instant occurredAt,
        long originalValueSize,
        String originalValueSha256,
        boolean truncated) {

    public static final int MAX_VALUE_BYTES = 64 * 1024;
    public static final int MAX_KEY_BYTES = 1024;
    public static final int MAX_HEADER_BYTES = 16 * 1024;
    public static final int MAX_MESSAGE_CHARS = 4 * 1024;
    /** Service, stage, error class and source topic: names, never data. */
    private static final int MAX_NAME_CHARS = 256;

    public record Header(String key, byte[] value) {}

    public DeadLetter {
        boolean cut = truncated;
        if (originalValue != null && originalValueSize < 0) {
            originalValueSize = originalValue.length;
        }
        if (originalValue != null && originalValueSha256 == null) {
            originalValueSha256 = sha256(originalValue);
        }
        if (originalValue != null && originalValue.length > MAX_VALUE_BYTES) {
            originalValue = Arrays.copyOf(originalValue, MAX_VALUE_BYTES);
            cut = true;
        }
        if (originalKey != null && originalKey.length > MAX_KEY_BYTES) {
            originalKey = Arrays.copyOf(originalKey, MAX_KEY_BYTES);
            cut = true;
        }
        List<Header> kept = new ArrayList<>();
        int headerBytes = 0;
        for (Header h : originalHeaders == null ? List.<Header>of() : originalHeaders) {
            int size = h.key().length() + (h.value() == null ? 0 : h.value().length);
            if (headerBytes + size > MAX_HEADER_BYTES) {
                cut = true;
                continue;
            }
            headerBytes += size;
            kept.add(h);
        }
        originalHeaders = List.copyOf(kept);
        errorMessage = errorMessage == null ? "" : errorMessage;
        if (errorMessage.length() > MAX_MESSAGE_CHARS) {
            errorMessage = errorMessage.substring(0, MAX_MESSAGE_CHARS - 3) + "...";
            cut = true;
        }
        sourceTopic = clip(sourceTopic);
        service = clip(service);
        stage = clip(stage);
        errorClass = clip(errorClass);
        truncated = cut;
    }

    /** A dead letter of a record as it was: its size, hash and truncation are worked out here. */
    public DeadLetter(
            byte[] originalKey,
            byte[] originalValue,
            List<Header> originalHeaders,
            String sourceTopic,
            int sourcePartition,
            long sourceOffset,
            String service,
            String stage,
            String errorClass,
            String errorMessage,
            Instant occurredAt) {
        this(
                originalKey,
                originalValue,
                originalHeaders,
                sourceTopic,
                sourcePartition,
                sourceOffset,
                service,
                stage,
                errorClass,
                errorMessage,
                occurredAt,
                -1,
                null,
                false);
    }

    /** The key as text, as Sluice's keys are; null without a key. */
    public static byte[] keyBytes(String key) {
        return key == null ? null : key.getBytes(StandardCharsets.UTF_8);
    }

    private static String clip(String name) {
        return name == null || name.length() <= MAX_NAME_CHARS ? name : name.substring(0, MAX_NAME_CHARS);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
