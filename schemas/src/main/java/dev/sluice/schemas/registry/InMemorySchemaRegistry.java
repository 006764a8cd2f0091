package dev.sluice.schemas.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * A registry in memory for unit tests (TopologyTestDriver has no registry to talk to). Selected by
 * a {@code mock://<scope>} URL, as with Confluent's serdes; every serde given the same scope shares
 * one instance. Applies BACKWARD compatibility like the real thing.
 */
public final class InMemorySchemaRegistry implements SchemaRegistry {
    private static final Map<String, InMemorySchemaRegistry> SCOPES = new ConcurrentHashMap<>();

    private final Map<String, List<Integer>> versionsBySubject = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<String, String> compatibility = new ConcurrentHashMap<>();
    private int nextId = 1;

    public static InMemorySchemaRegistry forScope(String scope) {
        return SCOPES.computeIfAbsent(scope, s -> new InMemorySchemaRegistry());
    }

    public static void dropScope(String scope) {
        SCOPES.remove(scope);
    }

    @Override
    public synchronized int register(String subject, Schema schema) {
        List<Integer> versions = versionsBySubject.computeIfAbsent(subject, s -> new ArrayList<>());
        for (int id : versions) {
            if (schemasById.get(id).equals(schema)) {
                return id;
            }
        }
        if (!versions.isEmpty() && !isCompatible(subject, schema)) {
            throw new SchemaRegistryException.Incompatible("Schema being registered is incompatible with an"
                    + " earlier schema for subject \"" + subject + "\"");
        }
        int id = schemasById.entrySet().stream()
                .filter(e -> e.getValue().equals(schema))
                .map(Map.Entry::getKey)
                .findFirst()
                .orElseGet(() -> nextId++);
        schemasById.put(id, schema);
        versions.add(id);
        return id;
    }

    @Override
    public synchronized int lookupId(String subject, Schema schema) {
        List<Integer> versions = versionsBySubject.get(subject);
        if (versions == null) {
            throw new SchemaRegistryException(
                    "Subject '" + subject + "' not found.", 404, SchemaRegistryException.SUBJECT_NOT_FOUND);
        }
        return versions.stream()
                .filter(id -> schemasById.get(id).equals(schema))
                .findFirst()
                .orElseThrow(() ->
                        new SchemaRegistryException("Schema not found", 404, SchemaRegistryException.SCHEMA_NOT_FOUND));
    }

    @Override
    public Schema schemaById(int id) {
        Schema schema = schemasById.get(id);
        if (schema == null) {
            throw new SchemaRegistryException(
                    "Schema " + id + " not found", 404, SchemaRegistryException.SCHEMA_NOT_FOUND);
        }
        return schema;
    }

    @Override
    public synchronized SubjectVersion latest(String subject) {
        List<Integer> versions = versionsBySubject.get(subject);
        if (versions == null || versions.isEmpty()) {
            throw new SchemaRegistryException(
                    "Subject '" + subject + "' not found.", 404, SchemaRegistryException.SUBJECT_NOT_FOUND);
        }
        int id = versions.getLast();
        return new SubjectVersion(subject, versions.size(), id, schemasById.get(id));
    }

    @Override
    public synchronized boolean isCompatible(String subject, Schema schema) {
        List<Integer> versions = versionsBySubject.get(subject);
        if (versions == null || versions.isEmpty() || "NONE".equals(compatibility(subject))) {
            return true;
        }
        Schema previous = schemasById.get(versions.getLast());
        return SchemaCompatibility.checkReaderWriterCompatibility(schema, previous)
                        .getType()
                == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE;
    }

    @Override
    public List<String> subjects() {
        return versionsBySubject.keySet().stream().sorted().toList();
    }

    @Override
    public synchronized List<Integer> versions(String subject) {
        List<Integer> versions = versionsBySubject.getOrDefault(subject, List.of());
        List<Integer> out = new ArrayList<>();
        for (int i = 1; i <= versions.size(); i++) {
            out.add(i);
        }
        return out;
    }

    @Override
    public String compatibility(String subject) {
        return compatibility.getOrDefault(subject == null ? "" : subject, compatibility.getOrDefault("", "BACKWARD"));
    }

    @Override
    public void setCompatibility(String subject, String level) {
        compatibility.put(subject == null ? "" : subject, level);
    }
}
