package dev.sluice.router;

import dev.sluice.runtime.catalogue.ModelCatalogue;
import java.time.Duration;

/**
 * What routing decisions are made from besides each tenant's own configuration: the model
 * catalogue, how long duplicates are recognised, how long identical requests wait for one in
 * flight, and the largest message accepted.
 */
public record RouterRules(ModelCatalogue catalogue, Duration dedupeWindow, Duration singleFlightWait,
        int maxMessageChars) {
}
