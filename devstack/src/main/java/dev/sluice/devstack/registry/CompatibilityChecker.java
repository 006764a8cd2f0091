package dev.sluice.devstack.registry;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/**
 * Decides compatibility with Avro's own reader/writer resolution rules, so that "compatible" means
 * exactly "a consumer holding one schema can decode data written with the other". The messages
 * imitate Confluent's, because people paste them into searches and tickets.
 */
final class CompatibilityChecker {

    /** An earlier version of the subject to check against. */
    record Prior(int version, Schema schema) {}

    private CompatibilityChecker() {}

    /**
     * Returns what makes {@code candidate} incompatible with the prior versions under {@code level},
     * or an empty list when it is compatible. {@code priors} are in ascending version order;
     * non-transitive levels check the newest only.
     */
    static List<String> incompatibilities(CompatibilityLevel level, Schema candidate, List<Prior> priors) {
        if (level == CompatibilityLevel.NONE || priors.isEmpty()) {
            return List.of();
        }
        List<Prior> against = level.transitive ? priors.reversed() : List.of(priors.getLast());
        List<String> messages = new ArrayList<>();
        for (Prior prior : against) {
            List<String> found = new ArrayList<>();
            if (level.backward) {
                found.addAll(check(candidate, prior.schema(), "new", "old"));
            }
            if (level.forward) {
                found.addAll(check(prior.schema(), candidate, "old", "new"));
            }
            if (!found.isEmpty()) {
                messages.addAll(found);
                messages.add("{oldSchemaVersion: " + prior.version() + "}");
                messages.add("{oldSchema: '" + prior.schema() + "'}");
            }
        }
        if (!messages.isEmpty()) {
            messages.add("{compatibility: '" + level + "'}");
        }
        return messages;
    }

    private static List<String> check(Schema reader, Schema writer, String readerName, String writerName) {
        var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer)
                .getResult();
        if (result.getCompatibility() == SchemaCompatibilityType.COMPATIBLE) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (Incompatibility i : result.getIncompatibilities()) {
            out.add("{errorType:'" + i.getType() + "', description:'" + describe(i, readerName, writerName)
                    + "', additionalInfo:'" + i.getMessage() + "'}");
        }
        return out;
    }

    private static String describe(Incompatibility i, String reader, String writer) {
        String path = i.getLocation();
        return switch (i.getType()) {
            case READER_FIELD_MISSING_DEFAULT_VALUE ->
                "The field '" + i.getMessage() + "' at path '" + path
                        + "' in the " + reader + " schema has no default value and is missing in the " + writer
                        + " schema";
            case TYPE_MISMATCH ->
                "The type (path '" + path + "') of a field in the " + reader + " schema does not match with the "
                        + writer + " schema";
            case MISSING_ENUM_SYMBOLS ->
                "The " + reader + " schema is missing enum symbols '" + i.getMessage() + "' at path '" + path
                        + "' in the " + writer + " schema";
            case MISSING_UNION_BRANCH ->
                "The " + reader + " schema is missing a type inside a union field at path '" + path + "' in the "
                        + writer + " schema";
            case NAME_MISMATCH -> "The name of the schema has changed (path '" + path + "')";
            case FIXED_SIZE_MISMATCH ->
                "The size of FIXED type field at path '" + path + "' in the " + reader
                        + " schema does not match with the " + writer + " schema";
        };
    }
}
