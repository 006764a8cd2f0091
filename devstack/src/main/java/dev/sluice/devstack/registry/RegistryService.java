package dev.sluice.devstack.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * What the registry does, independent of HTTP. Every change is appended to the log first and
 * applied to memory only once Kafka has acknowledged it. Changes take the write lock, so ids and
 * versions are handed out one at a time; a {@link ReentrantReadWriteLock} rather than
 * {@code synchronized} so that virtual threads waiting for an ack do not pin their carrier on Java 21.
 */
final class RegistryService {
    /** The only schema type this registry parses; Confluent's client omits the field for it. */
    static final String AVRO = "AVRO";

    private final RegistryState state = new RegistryState();
    private final Consumer<List<LogEntry>> log;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Map<Integer, Schema> parsedById = new ConcurrentHashMap<>();
    // Advanced before the write and never given back: if an ack times out, the record may still
    // have landed, and reusing its id would give two schemas one id.
    private int lastIssuedId;

    /** A schema as a client sent it. */
    record SchemaRequest(String schema, String schemaType, boolean hasReferences) {}

    /** The durable log, and the entries already on it, replayed into the initial state. */
    RegistryService(Consumer<List<LogEntry>> log, List<LogEntry> history) {
        this.log = log;
        history.forEach(state::apply);
        this.lastIssuedId = state.maxId();
    }

    int register(String subject, SchemaRequest request) {
        Schema schema = parse(request);
        String canonical = schema.toString();
        return write(() -> {
            Optional<LogEntry.SchemaVersion> existing = state.versions(subject, false).stream()
                    .filter(v -> v.schema().equals(canonical))
                    .findFirst();
            if (existing.isPresent()) {
                return existing.get().id();
            }
            List<String> problems =
                    incompatibilities(state.effectiveLevel(subject), schema, state.versions(subject, false));
            if (!problems.isEmpty()) {
                throw RegistryException.incompatible(subject, problems);
            }
            int id = state.idOf(canonical).orElseGet(() -> ++lastIssuedId);
            append(List.of(
                    new LogEntry.SchemaVersion(subject, state.highestVersion(subject) + 1, id, canonical, false)));
            return id;
        });
    }

    LogEntry.SchemaVersion lookup(String subject, SchemaRequest request, boolean includeDeleted) {
        String canonical = parse(request).toString();
        return read(() -> {
            List<LogEntry.SchemaVersion> versions = existingVersions(subject, includeDeleted);
            return versions.stream()
                    .filter(v -> v.schema().equals(canonical))
                    .findFirst()
                    .orElseThrow(RegistryException::schemaNotFound);
        });
    }

    List<String> subjects(boolean includeDeleted) {
        return read(() -> state.subjects(includeDeleted));
    }

    List<Integer> versions(String subject, boolean includeDeleted) {
        return read(() -> existingVersions(subject, includeDeleted).stream()
                .map(LogEntry.SchemaVersion::version)
                .toList());
    }

    /** A version by its path form: a number, "latest" or -1. */
    LogEntry.SchemaVersion version(String subject, String version, boolean includeDeleted) {
        VersionId id = VersionId.parse(version);
        return read(() -> resolve(subject, id, includeDeleted));
    }

    String schemaById(String id) {
        int parsed = parseId(id);
        return read(() -> state.schemaById(parsed).orElseThrow(() -> RegistryException.schemaIdNotFound(id)));
    }

    List<LogEntry.SchemaVersion> usesOf(String id, boolean includeDeleted) {
        int parsed = parseId(id);
        return read(() -> {
            List<LogEntry.SchemaVersion> uses = state.usesOf(parsed);
            if (uses.isEmpty()) {
                throw RegistryException.schemaIdNotFound(id);
            }
            return uses.stream().filter(v -> includeDeleted || !v.deleted()).toList();
        });
    }

    /**
     * Checks a schema against a subject without registering it. Against "latest" the subject's
     * level decides which versions count (all of them when transitive); against a numbered version,
     * only that one.
     */
    List<String> compatibility(String subject, String version, SchemaRequest request) {
        VersionId id = VersionId.parse(version);
        Schema schema = parse(request);
        return read(() -> {
            CompatibilityLevel level = state.effectiveLevel(subject);
            if (id.isLatest()) {
                return incompatibilities(level, schema, existingVersions(subject, false));
            }
            return incompatibilities(level, schema, List.of(resolve(subject, id, false)));
        });
    }

    CompatibilityLevel globalLevel() {
        return read(state::globalLevel);
    }

    CompatibilityLevel subjectLevel(String subject, boolean defaultToGlobal) {
        return read(() -> state.subjectLevel(subject)
                .or(() -> defaultToGlobal ? Optional.of(state.globalLevel()) : Optional.empty())
                .orElseThrow(() -> RegistryException.subjectConfigNotFound(subject)));
    }

    /** Sets the level of a subject, or the global level when {@code subject} is null. */
    CompatibilityLevel setLevel(String subject, CompatibilityLevel level) {
        return write(() -> {
            append(List.of(new LogEntry.Config(subject, level)));
            return level;
        });
    }

    /** Removes the global setting (back to the default) and returns the level it had. */
    CompatibilityLevel resetGlobalLevel() {
        return write(() -> {
            CompatibilityLevel old = state.globalLevel();
            append(List.of(new LogEntry.Config(null, null)));
            return old;
        });
    }

    CompatibilityLevel deleteSubjectLevel(String subject) {
        return write(() -> {
            Optional<CompatibilityLevel> old = state.subjectLevel(subject);
            if (old.isEmpty()) {
                throw state.versions(subject, true).isEmpty()
                        ? RegistryException.subjectNotFound(subject)
                        : RegistryException.subjectConfigNotFound(subject);
            }
            append(List.of(new LogEntry.Config(subject, null)));
            return old.get();
        });
    }

    /**
     * Soft delete marks every live version deleted (ids keep resolving for consumers); permanent
     * delete, allowed only after a soft one, writes tombstones so compaction forgets the subject.
     */
    List<Integer> deleteSubject(String subject, boolean permanent) {
        return write(() -> {
            List<LogEntry.SchemaVersion> all = state.versions(subject, true);
            if (all.isEmpty()) {
                throw RegistryException.subjectNotFound(subject);
            }
            boolean anyLive = all.stream().anyMatch(v -> !v.deleted());
            List<LogEntry> entries = new ArrayList<>();
            if (permanent) {
                if (anyLive) {
                    throw new RegistryException(
                            404,
                            RegistryException.SUBJECT_NOT_SOFT_DELETED,
                            "Subject '" + subject + "' was not deleted first before being permanently deleted");
                }
                all.forEach(v -> entries.add(new LogEntry.SchemaRemoved(subject, v.version())));
                state.subjectLevel(subject).ifPresent(l -> entries.add(new LogEntry.Config(subject, null)));
                append(entries);
                return all.stream().map(LogEntry.SchemaVersion::version).toList();
            }
            if (!anyLive) {
                throw new RegistryException(
                        404,
                        RegistryException.SUBJECT_SOFT_DELETED,
                        "Subject '" + subject + "' was soft deleted. Set permanent=true to delete permanently");
            }
            List<LogEntry.SchemaVersion> live =
                    all.stream().filter(v -> !v.deleted()).toList();
            live.forEach(v -> entries.add(v.markedDeleted()));
            append(entries);
            return live.stream().map(LogEntry.SchemaVersion::version).toList();
        });
    }

    int deleteVersion(String subject, String version, boolean permanent) {
        VersionId id = VersionId.parse(version);
        return write(() -> {
            LogEntry.SchemaVersion v = resolve(subject, id, permanent);
            if (permanent) {
                if (!v.deleted()) {
                    throw new RegistryException(
                            404,
                            RegistryException.VERSION_NOT_SOFT_DELETED,
                            "Subject '"
                                    + subject + "' Version " + v.version()
                                    + " was not deleted first before being permanently deleted");
                }
                append(List.of(new LogEntry.SchemaRemoved(subject, v.version())));
            } else {
                append(List.of(v.markedDeleted()));
            }
            return v.version();
        });
    }

    private LogEntry.SchemaVersion resolve(String subject, VersionId id, boolean includeDeleted) {
        List<LogEntry.SchemaVersion> versions = existingVersions(subject, includeDeleted);
        if (id.isLatest()) {
            return versions.getLast();
        }
        LogEntry.SchemaVersion v =
                state.version(subject, id.number()).orElseThrow(() -> RegistryException.versionNotFound(id.number()));
        if (v.deleted() && !includeDeleted) {
            throw RegistryException.versionNotFound(id.number());
        }
        return v;
    }

    /** The subject's versions, or 40401 when it has none (a soft-deleted subject counts as absent). */
    private List<LogEntry.SchemaVersion> existingVersions(String subject, boolean includeDeleted) {
        List<LogEntry.SchemaVersion> versions = state.versions(subject, includeDeleted);
        if (versions.isEmpty()) {
            throw RegistryException.subjectNotFound(subject);
        }
        return versions;
    }

    private List<String> incompatibilities(
            CompatibilityLevel level, Schema schema, List<LogEntry.SchemaVersion> priors) {
        List<CompatibilityChecker.Prior> parsed = priors.stream()
                .map(v -> new CompatibilityChecker.Prior(
                        v.version(), parsedById.computeIfAbsent(v.id(), i -> new Schema.Parser().parse(v.schema()))))
                .toList();
        return CompatibilityChecker.incompatibilities(level, schema, parsed);
    }

    private void append(List<LogEntry> entries) {
        log.accept(entries);
        entries.forEach(state::apply);
    }

    static Schema parse(SchemaRequest request) {
        String type = request.schemaType() == null ? AVRO : request.schemaType();
        if (!AVRO.equalsIgnoreCase(type)) {
            throw RegistryException.invalidSchema(
                    "of type " + type + ": this development registry supports" + " only AVRO schemas");
        }
        if (request.hasReferences()) {
            throw RegistryException.invalidSchema("with references: this development registry does not resolve"
                    + " schema references; inline the referenced types");
        }
        if (request.schema() == null || request.schema().isBlank()) {
            throw RegistryException.invalidSchema("(empty schema)");
        }
        try {
            return new Schema.Parser().parse(request.schema());
        } catch (SchemaParseException | org.apache.avro.AvroTypeException e) {
            throw RegistryException.invalidSchema(request.schema() + ", details: " + e.getMessage());
        }
    }

    private static int parseId(String id) {
        try {
            return Integer.parseInt(id);
        } catch (NumberFormatException e) {
            throw RegistryException.schemaIdNotFound(id);
        }
    }

    private <T> T read(Supplier<T> action) {
        lock.readLock().lock();
        try {
            return action.get();
        } finally {
            lock.readLock().unlock();
        }
    }

    private <T> T write(Supplier<T> action) {
        lock.writeLock().lock();
        try {
            return action.get();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** A version as written in a path: a positive number, or latest (also spelled -1). */
    record VersionId(int number) {
        static final int LATEST = -1;

        static VersionId parse(String text) {
            if ("latest".equalsIgnoreCase(text)) {
                return new VersionId(LATEST);
            }
            try {
                int n = Integer.parseInt(text);
                if (n == LATEST || n > 0) {
                    return new VersionId(n);
                }
            } catch (NumberFormatException e) {
                // Falls through to the 42202 answer that names the accepted forms.
            }
            throw RegistryException.invalidVersion(text);
        }

        boolean isLatest() {
            return number == LATEST;
        }
    }
}
