package dev.sluice.devstack.registry;

/**
 * One fact on the schemas topic. The topic is compacted, so each fact has a key of its own and the
 * last value per key is the truth; a tombstone (null value) retracts it.
 */
sealed interface LogEntry {

    /** Version {@code version} of {@code subject} is schema {@code id}; soft-deleted when {@code deleted}. */
    record SchemaVersion(String subject, int version, int id, String schema, boolean deleted) implements LogEntry {
        SchemaVersion markedDeleted() {
            return new SchemaVersion(subject, version, id, schema, true);
        }
    }

    /** The version was deleted permanently (written as a tombstone on the version's key). */
    record SchemaRemoved(String subject, int version) implements LogEntry {}

    /**
     * The compatibility level of a subject, or the global one when {@code subject} is null;
     * a null {@code level} (a tombstone) removes the setting.
     */
    record Config(String subject, CompatibilityLevel level) implements LogEntry {}
}
