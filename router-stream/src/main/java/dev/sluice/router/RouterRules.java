package dev.sluice.router;

import dev.sluice.router.semantic.SemanticCache;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.requests.RequestLimits;
import java.time.Duration;

/**
 * What routing decisions are made from besides each tenant's own configuration: the model
 * catalogue, how long duplicates are recognised, how long identical requests wait for one in
 * flight, the largest message, the limits on a request's size, and the semantic cache's
 * embedding model (loaded only when a tenant uses it).
 */
public record RouterRules(
        ModelCatalogue catalogue,
        Duration dedupeWindow,
        Duration singleFlightWait,
        int maxMessageChars,
        RequestLimits requestLimits,
        SemanticCache semantic) {

    public RouterRules(
            ModelCatalogue catalogue,
            Duration dedupeWindow,
            Duration singleFlightWait,
            int maxMessageChars,
            RequestLimits requestLimits) {
        this(catalogue, dedupeWindow, singleFlightWait, maxMessageChars, requestLimits, SemanticCache.inProcess());
    }

    public RouterRules(
            ModelCatalogue catalogue, Duration dedupeWindow, Duration singleFlightWait, int maxMessageChars) {
        this(catalogue, dedupeWindow, singleFlightWait, maxMessageChars, RequestLimits.DEFAULT);
    }
}
