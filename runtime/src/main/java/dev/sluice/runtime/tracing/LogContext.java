package dev.sluice.runtime.tracing;

import java.util.Map;
import org.slf4j.MDC;

/**
 * The fields every log line about a job carries: {@code service}, {@code requestId},
 * {@code tenantId} and {@code traceId}, in the thread's MDC (Log4j's ThreadContext, a
 * thread-local map, so each virtual thread has its own), written by the JSON layout as top-level
 * fields. Closing puts the thread's map back as it was, so a Streams or poll thread that works on
 * one job after another never logs one job's ids on the next's lines.
 */
public final class LogContext implements AutoCloseable {
    public static final String SERVICE = "service";
    public static final String REQUEST_ID = "requestId";
    public static final String TENANT_ID = "tenantId";
    public static final String TRACE_ID = "traceId";

    private final Map<String, String> before;

    private LogContext() {
        this.before = MDC.getCopyOfContextMap();
    }

    /** Sets the fields given (null ones are left out) until closed. */
    public static LogContext open(String service, String requestId, String tenantId, String traceId) {
        LogContext context = new LogContext();
        put(SERVICE, service);
        put(TRACE_ID, traceId);
        return context.ids(requestId, tenantId);
    }

    public LogContext ids(String requestId, String tenantId) {
        identify(requestId, tenantId);
        return this;
    }

    /** Adds the job's ids to the fields of the context open on this thread; it restores them on close. */
    static void identify(String requestId, String tenantId) {
        put(REQUEST_ID, requestId);
        put(TENANT_ID, tenantId);
    }

    private static void put(String key, String value) {
        if (value != null) {
            MDC.put(key, value);
        }
    }

    @Override
    public void close() {
        if (before == null || before.isEmpty()) {
            MDC.clear();
        } else {
            MDC.setContextMap(before);
        }
    }
}
