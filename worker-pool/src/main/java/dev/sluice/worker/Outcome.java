package dev.sluice.worker;

import dev.sluice.model.CostEvent;
import dev.sluice.model.LlmResult;
import java.util.List;

/** What running a job produced: its terminal result and one cost event per billed provider call. */
record Outcome(LlmResult result, List<CostEvent> costs) {
    Outcome {
        costs = List.copyOf(costs);
    }
}
