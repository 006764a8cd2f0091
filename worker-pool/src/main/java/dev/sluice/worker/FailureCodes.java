package dev.sluice.worker;

/** Stable reason codes of jobs that end FAILED in a worker; listed in the module README. */
final class FailureCodes {
    static final String NO_PROVIDER = "NO_PROVIDER";
    static final String PROVIDER_UNAVAILABLE = "PROVIDER_UNAVAILABLE";
    static final String PROVIDER_REJECTED = "PROVIDER_REJECTED";
    static final String PROVIDER_AUTH = "PROVIDER_AUTH";
    static final String MODEL_NOT_FOUND = "MODEL_NOT_FOUND";
    static final String WORKER_ERROR = "WORKER_ERROR";
    static final String OUTPUT_INVALID = "OUTPUT_INVALID";

    private FailureCodes() {
    }
}
