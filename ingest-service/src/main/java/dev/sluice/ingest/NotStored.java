package dev.sluice.ingest;

/**
 * The broker did not take a request: answered 503 with {@link #getMessage()} as the detail. When
 * {@code outcomeKnown} is false the jobs may have been stored after all (a batch's commit whose
 * answer was lost), and the detail says so.
 */
final class NotStored extends Exception {
    private final boolean outcomeKnown;

    NotStored(String detail, boolean outcomeKnown, Throwable cause) {
        super(detail, cause);
        this.outcomeKnown = outcomeKnown;
    }

    boolean outcomeKnown() {
        return outcomeKnown;
    }
}
