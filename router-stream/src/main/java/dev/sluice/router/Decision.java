package dev.sluice.router;

import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmResult;

/** What the router decided for a request: route it as a job, or complete it without one. */
sealed interface Decision {
    record Route(LlmJob job) implements Decision {
    }

    record Complete(LlmResult result) implements Decision {
    }
}
