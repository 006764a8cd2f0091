package dev.sluice.devstack.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The registry's whole state, built only by applying {@link LogEntry} facts in topic order, so a
 * restart that replays the topic arrives at the same state the running instance had.
 *
 * <p>Not thread-safe: {@link RegistryService} guards it.
 */
final class RegistryState {
    private final Map<String, TreeMap<Integer, LogEntry.SchemaVersion>> subjects = new HashMap<>();
    private final Map<Integer, String> schemasById = new HashMap<>();
    private final Map<String, Integer> idsBySchema = new HashMap<>();
    private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
    private CompatibilityLevel globalLevel;
    // Never lowered, not even by a permanent delete, so an id is not handed out twice in one run.
    private int maxId;

    void apply(LogEntry entry) {
        switch (entry) {
            case LogEntry.SchemaVersion v -> {
                subjects.computeIfAbsent(v.subject(), s -> new TreeMap<>()).put(v.version(), v);
                schemasById.putIfAbsent(v.id(), v.schema());
                idsBySchema.putIfAbsent(v.schema(), v.id());
                maxId = Math.max(maxId, v.id());
            }
            case LogEntry.SchemaRemoved r -> remove(r.subject(), r.version());
            case LogEntry.Config c -> {
                if (c.subject() == null) {
                    globalLevel = c.level();
                } else if (c.level() == null) {
                    subjectLevels.remove(c.subject());
                } else {
                    subjectLevels.put(c.subject(), c.level());
                }
            }
        }
    }

    private void remove(String subject, int version) {
        TreeMap<Integer, LogEntry.SchemaVersion> versions = subjects.get(subject);
        if (versions == null) {
            return;
        }
        LogEntry.SchemaVersion removed = versions.remove(version);
        if (versions.isEmpty()) {
            subjects.remove(subject);
        }
        // An id stays resolvable while any version, even a soft-deleted one, still uses it:
        // consumers may hold data written with it.
        if (removed != null && usesOf(removed.id()).isEmpty()) {
            schemasById.remove(removed.id());
            idsBySchema.remove(removed.schema());
        }
    }

    /** Subject names in order; soft-deleted subjects only when asked for. */
    List<String> subjects(boolean includeDeleted) {
        return subjects.entrySet().stream()
                .filter(e -> includeDeleted || e.getValue().values().stream().anyMatch(v -> !v.deleted()))
                .map(Map.Entry::getKey)
                .sorted()
                .toList();
    }

    /** The subject's versions in ascending order; soft-deleted ones only when asked for. */
    List<LogEntry.SchemaVersion> versions(String subject, boolean includeDeleted) {
        TreeMap<Integer, LogEntry.SchemaVersion> versions = subjects.get(subject);
        if (versions == null) {
            return List.of();
        }
        return versions.values().stream()
                .filter(v -> includeDeleted || !v.deleted())
                .toList();
    }

    Optional<LogEntry.SchemaVersion> version(String subject, int version) {
        TreeMap<Integer, LogEntry.SchemaVersion> versions = subjects.get(subject);
        return versions == null ? Optional.empty() : Optional.ofNullable(versions.get(version));
    }

    /** The highest version number ever used by the subject, soft-deleted ones included; 0 if none. */
    int highestVersion(String subject) {
        TreeMap<Integer, LogEntry.SchemaVersion> versions = subjects.get(subject);
        return versions == null || versions.isEmpty() ? 0 : versions.lastKey();
    }

    Optional<String> schemaById(int id) {
        return Optional.ofNullable(schemasById.get(id));
    }

    /** The global id of a schema (in canonical form) registered under any subject. */
    Optional<Integer> idOf(String canonicalSchema) {
        return Optional.ofNullable(idsBySchema.get(canonicalSchema));
    }

    int maxId() {
        return maxId;
    }

    /** Every subject version that uses a schema id, soft-deleted ones included, by subject then version. */
    List<LogEntry.SchemaVersion> usesOf(int id) {
        List<LogEntry.SchemaVersion> out = new ArrayList<>();
        for (String subject : new TreeSet<>(subjects.keySet())) {
            subjects.get(subject).values().stream().filter(v -> v.id() == id).forEach(out::add);
        }
        return out;
    }

    CompatibilityLevel globalLevel() {
        return globalLevel == null ? CompatibilityLevel.DEFAULT : globalLevel;
    }

    Optional<CompatibilityLevel> subjectLevel(String subject) {
        return Optional.ofNullable(subjectLevels.get(subject));
    }

    CompatibilityLevel effectiveLevel(String subject) {
        return subjectLevel(subject).orElseGet(this::globalLevel);
    }
}
