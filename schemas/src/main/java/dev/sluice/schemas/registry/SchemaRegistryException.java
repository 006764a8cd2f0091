package dev.sluice.schemas.registry;

/**
 * A registry call failed. {@code errorCode} is the Confluent error code from the response body
 * (40401 subject not found, 40403 schema not found, 409 incompatible, 42201 invalid schema, ...),
 * or -1 when no response arrived.
 */
public class SchemaRegistryException extends RuntimeException {
    public static final int SUBJECT_NOT_FOUND = 40401;
    public static final int VERSION_NOT_FOUND = 40402;
    public static final int SCHEMA_NOT_FOUND = 40403;
    public static final int INCOMPATIBLE = 409;
    public static final int INVALID_SCHEMA = 42201;

    private final int httpStatus;
    private final int errorCode;

    public SchemaRegistryException(String message, int httpStatus, int errorCode) {
        super(message);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    public SchemaRegistryException(String message, Throwable cause) {
        super(message, cause);
        this.httpStatus = -1;
        this.errorCode = -1;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public int errorCode() {
        return errorCode;
    }

    public boolean isNotFound() {
        return errorCode == SUBJECT_NOT_FOUND || errorCode == VERSION_NOT_FOUND || errorCode == SCHEMA_NOT_FOUND;
    }

    /**
     * Whether {@code error}, or any of its causes, is a registry failure that waiting would fix: no
     * registry answered, or it answered 5xx or 429. A record that failed to decode for such a reason
     * is not bad input: it must be tried again, never dead-lettered.
     */
    public static boolean isTransient(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof Unavailable) {
                return true;
            }
            if (t instanceof SchemaRegistryException r && (r.httpStatus() >= 500 || r.httpStatus() == 429)) {
                return true;
            }
        }
        return false;
    }

    /** No registry answered at any configured URL. */
    public static final class Unavailable extends SchemaRegistryException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The schema breaks the subject's compatibility rule. */
    public static final class Incompatible extends SchemaRegistryException {
        public Incompatible(String message) {
            super(message, 409, INCOMPATIBLE);
        }
    }
}
