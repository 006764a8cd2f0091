package dev.sluice.router;

import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.Tier;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.catalogue.Pricing;
import dev.sluice.runtime.tokens.TokenCounter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides where an accepted request goes: its tier (the request's, else the default; AUTO falls
 * back to the default until complexity scoring exists), the model chain from the catalogue (an
 * explicit model goes first, the tier's models follow as fallbacks), and the token and cost
 * estimates.
 */
final class JobPlanner {
    private final ModelCatalogue catalogue;
    private final Tier defaultTier;
    private final Clock clock;

    JobPlanner(ModelCatalogue catalogue, Tier defaultTier, Clock clock) {
        this.catalogue = catalogue;
        this.defaultTier = defaultTier;
        this.clock = clock;
    }

    LlmJob plan(LlmRequest r) {
        String source;
        Tier tier;
        if (r.tier() == null) {
            tier = defaultTier;
            source = "default";
        } else if (r.tier() == Tier.AUTO) {
            tier = defaultTier;
            source = "auto->default";
        } else {
            tier = r.tier();
            source = "request";
        }
        List<String> chain = new ArrayList<>();
        if (r.model() != null) {
            chain.add(r.model());
        }
        for (String m : catalogue.chain(tier)) {
            if (!chain.contains(m)) {
                chain.add(m);
            }
        }
        int inputTokens = TokenCounter.chatTokens(r.messages());
        long estimate = Pricing.estimateMicros(catalogue.require(chain.getFirst()), inputTokens, r.maxOutputTokens());
        String reason = "tier=" + tier + " source=" + source + " model=" + chain.getFirst();
        return new LlmJob(r, tier, chain, inputTokens, estimate, null, null, reason, 0, false, false, clock.instant());
    }
}
