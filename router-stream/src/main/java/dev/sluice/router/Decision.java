package dev.sluice.router;

import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmResult;

/**
 * What the router decided for a request: route it as a job, or complete it without one.
 * {@code traceparent} is the trace of a request that waited (a duplicate, a single-flight
 * follower) and is decided later, when another record arrives or in a punctuation; null means the
 * request is the record being processed, whose own trace the decision continues.
 */
sealed interface Decision {
    String traceparent();

    /** The same decision, in the trace of the request it is about. */
    Decision inTrace(String traceparent);

    record Route(LlmJob job, String traceparent) implements Decision {
        Route(LlmJob job) {
            this(job, null);
        }

        @Override
        public Decision inTrace(String traceparent) {
            return new Route(job, traceparent);
        }
    }

    record Complete(LlmResult result, String traceparent) implements Decision {
        Complete(LlmResult result) {
            this(result, null);
        }

        @Override
        public Decision inTrace(String traceparent) {
            return new Complete(result, traceparent);
        }
    }
}
