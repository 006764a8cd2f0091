package dev.sluice.model;

import java.time.Instant;
import java.util.List;

/** A record Sluice could not process, kept with its original bytes and where it came from. */
public record DeadLetter(byte[] originalKey, byte[] originalValue, List<Header> originalHeaders, String sourceTopic,
        int sourcePartition, long sourceOffset, String service, String stage, String errorClass, String errorMessage,
        Instant occurredAt) {

    public record Header(String key, byte[] value) {
    }

    public DeadLetter {
        originalHeaders = originalHeaders == null ? List.of() : List.copyOf(originalHeaders);
        errorMessage = errorMessage == null ? "" : errorMessage;
    }
}
