package dev.sluice.devstack.registry;

/**
 * A request the registry refuses, carrying the HTTP status and the Confluent error code that
 * clients branch on (Confluent's serializers treat 40401/40403 as "not there yet", 409 as
 * "incompatible"), so the codes must be Confluent's, not ones of our own.
 */
final class RegistryException extends RuntimeException {
    static final int SUBJECT_NOT_FOUND = 40401;
    static final int VERSION_NOT_FOUND = 40402;
    static final int SCHEMA_NOT_FOUND = 40403;
    static final int SUBJECT_SOFT_DELETED = 40404;
    static final int SUBJECT_NOT_SOFT_DELETED = 40405;
    static final int VERSION_SOFT_DELETED = 40406;
    static final int VERSION_NOT_SOFT_DELETED = 40407;
    static final int SUBJECT_CONFIG_NOT_FOUND = 40408;
    static final int INCOMPATIBLE = 409;
    static final int INVALID_SCHEMA = 42201;
    static final int INVALID_VERSION = 42202;
    static final int INVALID_COMPATIBILITY_LEVEL = 42203;
    static final int STORE_ERROR = 50001;

    private final int status;
    private final int errorCode;

    RegistryException(int status, int errorCode, String message) {
        super(message);
        this.status = status;
        this.errorCode = errorCode;
    }

    int status() {
        return status;
    }

    int errorCode() {
        return errorCode;
    }

    static RegistryException subjectNotFound(String subject) {
        return new RegistryException(404, SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
    }

    static RegistryException versionNotFound(int version) {
        return new RegistryException(404, VERSION_NOT_FOUND, "Version " + version + " not found.");
    }

    static RegistryException schemaNotFound() {
        return new RegistryException(404, SCHEMA_NOT_FOUND, "Schema not found");
    }

    static RegistryException schemaIdNotFound(String id) {
        return new RegistryException(404, SCHEMA_NOT_FOUND, "Schema " + id + " not found");
    }

    static RegistryException subjectConfigNotFound(String subject) {
        return new RegistryException(
                404,
                SUBJECT_CONFIG_NOT_FOUND,
                "Subject '" + subject + "' does not have subject-level compatibility configured");
    }

    static RegistryException invalidSchema(String detail) {
        return new RegistryException(422, INVALID_SCHEMA, "Invalid schema " + detail);
    }

    static RegistryException invalidVersion(String version) {
        return new RegistryException(
                422,
                INVALID_VERSION,
                "The specified version '" + version
                        + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
    }

    static RegistryException invalidCompatibilityLevel() {
        return new RegistryException(
                422,
                INVALID_COMPATIBILITY_LEVEL,
                "Invalid compatibility level. Valid values"
                        + " are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive");
    }

    static RegistryException incompatible(String subject, java.util.List<String> details) {
        return new RegistryException(
                409,
                INCOMPATIBLE,
                "Schema being registered is incompatible with an earlier" + " schema for subject \"" + subject
                        + "\", details: " + details);
    }

    static RegistryException storeError(String detail) {
        return new RegistryException(500, STORE_ERROR, "Error in the backend data store: " + detail);
    }
}
