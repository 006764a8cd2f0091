package dev.sluice.schemas.registry;

import java.util.List;
import org.apache.avro.Schema;

/**
 * The calls Sluice makes on a Confluent-compatible schema registry. {@link RestSchemaRegistry}
 * speaks the REST API (Confluent, Apicurio ccompat, Karapace, Sluice's development registry);
 * {@link InMemorySchemaRegistry} serves unit tests that have no registry ({@code mock://} URLs).
 */
public interface SchemaRegistry {

    /** Registers a schema under a subject (or finds it registered already) and returns its global id. */
    int register(String subject, Schema schema);

    /** Returns the id of a schema already registered under a subject, without registering it. */
    int lookupId(String subject, Schema schema);

    /** Returns the schema with a global id. */
    Schema schemaById(int id);

    /** Returns the latest version registered under a subject. */
    SubjectVersion latest(String subject);

    /** True when the schema may be registered under the subject by its compatibility rule. */
    boolean isCompatible(String subject, Schema schema);

    List<String> subjects();

    List<Integer> versions(String subject);

    /** The compatibility level of a subject, or the global level when {@code subject} is null. */
    String compatibility(String subject);

    /** Sets the compatibility level of a subject, or the global level when {@code subject} is null. */
    void setCompatibility(String subject, String level);

    /** A registered version of a subject. */
    record SubjectVersion(String subject, int version, int id, Schema schema) {}
}
