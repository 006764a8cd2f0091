package dev.sluice.router;

import dev.sluice.model.CostEvent;
import dev.sluice.model.LlmResult;

/**
 * What the deciding step reads, from three topics keyed by tenantId, so a tenant's requests,
 * results and costs meet in one task, in order.
 */
sealed interface RouterInput {
    record Request(Planned planned) implements RouterInput {}

    record Result(LlmResult result) implements RouterInput {}

    record Cost(CostEvent cost) implements RouterInput {}
}
