package dev.sluice.worker;

/** Stable reason codes of jobs that end FAILED or EXPIRED in a worker; listed in the module README. */
public final class FailureCodes {
    public static final String NO_PROVIDER = "NO_PROVIDER";
    public static final String PROVIDER_UNAVAILABLE = "PROVIDER_UNAVAILABLE";
    public static final String PROVIDER_REJECTED = "PROVIDER_REJECTED";
    public static final String PROVIDER_AUTH = "PROVIDER_AUTH";
    public static final String MODEL_NOT_FOUND = "MODEL_NOT_FOUND";
    public static final String WORKER_ERROR = "WORKER_ERROR";
    public static final String OUTPUT_INVALID = "OUTPUT_INVALID";
    /** A batch line the provider did not run in time, and the job's deadline has passed. */
    public static final String BATCH_EXPIRED = "BATCH_EXPIRED";
    /** A batch job that could no longer be read back from llm.jobs.batch (its retention passed). */
    public static final String JOB_UNREADABLE = "JOB_UNREADABLE";

    private FailureCodes() {}

    /** The code of a provider error that another try would not fix, by its HTTP status. */
    public static String rejected(int status) {
        return switch (status) {
            case 401, 403 -> PROVIDER_AUTH;
            case 404 -> MODEL_NOT_FOUND;
            default -> PROVIDER_REJECTED;
        };
    }
}
