package dev.sluice.runtime.streams;

/**
 * Input that is expected to happen and has no one to answer: a tombstone on a request topic, a
 * request whose tenant or id is missing or too long to address a result to. Thrown from a
 * processor, it makes {@link DeadLetterHandler} dead-letter the record with its original bytes
 * (only the processing handler has them) and a one-line warning instead of a stack trace.
 */
public final class UnanswerableRecord extends RuntimeException {
    public UnanswerableRecord(String message) {
        super(message, null, false, false);
    }
}
