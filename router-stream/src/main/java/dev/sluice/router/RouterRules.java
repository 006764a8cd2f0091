package dev.sluice.router;

import dev.sluice.model.Tier;
import dev.sluice.runtime.catalogue.ModelCatalogue;

/** What routing decisions are made from: the model catalogue and the default tier. */
public record RouterRules(ModelCatalogue catalogue, Tier defaultTier) {
}
