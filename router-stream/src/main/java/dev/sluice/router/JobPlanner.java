package dev.sluice.router;

import dev.sluice.model.CostBasis;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.ResponseFormat;
import dev.sluice.model.TenantConfig;
import dev.sluice.model.Tier;
import dev.sluice.model.Usage;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.runtime.catalogue.Pricing;
import dev.sluice.runtime.tokens.TokenCounter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Plans an accepted request as a job (the enrich step):
 * <ul>
 *   <li>experiments: the request's variant in each of the tenant's experiments, noted in its
 *       metadata; the first variant that sets a system prompt replaces the request's
 *       ({@link Experiments});</li>
 *   <li>tier: the first A/B variant's that sets one, else the request's, else the tenant's default;
 *       an AUTO request whose category ({@code sluice.category}) the tenant's routing policy
 *       lists goes to the policy's model, in the smallest tier that has it;
 *       AUTO is scored by {@link Complexity}; a tier the tenant may not use moves to the
 *       nearest one it may;</li>
 *   <li>model chain: the first variant's model or an explicit model first, then the tier's catalogue chain, keeping only
 *       the models the tenant may use;</li>
 *   <li>cost estimate: the most the job may cost ({@link #worstCaseMicros}), which is what its
 *       tenant's budget holds for it until its result;</li>
 *   <li>exact cache key, when temperature is 0 or the tenant caches every request;</li>
 *   <li>batch: a deadline at least the tenant's batch threshold away, a first model whose
 *       provider has a Batch API, and a batch that is expected to cost less than a sync call
 *       ({@link BatchOrSync}).</li>
 * </ul>
 */
final class JobPlanner {
    private static final List<Tier> BY_SIZE = List.of(Tier.SMALL, Tier.MEDIUM, Tier.LARGE);

    private final ModelCatalogue catalogue;
    private final BatchOrSync batchOrSync = new BatchOrSync();

    JobPlanner(ModelCatalogue catalogue) {
        this.catalogue = catalogue;
    }

    /**
     * Whether a tenant's cache may answer a request (and keep its answer): the cache is on, the
     * request does not skip it, and the answer is deterministic or the tenant takes it anyway.
     */
    static boolean cacheable(TenantConfig.CachePolicy cache, LlmRequest r) {
        return cache.enabled()
                && !LlmRequest.CACHE_SKIP.equals(r.metadata().get(LlmRequest.CACHE_METADATA))
                && (r.temperature() != null && r.temperature() == 0.0 || cache.includeNonZeroTemperature());
    }

    Planned plan(Verdict v, long now) {
        TenantConfig t = v.tenant();
        List<Experiments.Assignment> assignments =
                Experiments.assign(t, v.request().userId());
        LlmRequest r = Experiments.apply(v.request(), assignments);
        int inputTokens = r == v.request() ? v.inputTokens() : TokenCounter.chatTokens(r.messages());
        StringBuilder reason = new StringBuilder();
        Tier variantTier = Experiments.first(assignments, TenantConfig.Variant::tier);
        String variantModel = Experiments.first(assignments, TenantConfig.Variant::model);
        String policyModel =
                variantTier == null && variantModel == null && r.model() == null ? policyModel(r, t) : null;
        Tier tier;
        String model;
        if (policyModel != null) {
            tier = tierOf(policyModel, reason);
            model = policyModel;
            reason.append(" source=policy category=").append(r.metadata().get(TenantConfig.CATEGORY_KEY));
            Tier allowed = nearestAllowed(tier, t);
            if (allowed != tier) {
                reason.append(" moved-to=").append(allowed);
                tier = allowed;
            }
        } else {
            tier = chooseTier(r, t, variantTier, reason);
            model = variantModel != null ? variantModel : r.model();
        }
        List<String> chain = chain(tier, model, t);
        boolean cacheable = cacheable(t.cache(), r);
        String cacheKey = cacheable ? CacheKeys.of(t.tenantId(), chain, r) : null;
        ModelSpec first = catalogue.require(chain.getFirst());
        boolean eligible = r.deadline() != null
                && first.batchApi()
                && r.deadline().toEpochMilli() - now >= t.batchThresholdSeconds() * 1000;
        BatchOrSync.Choice choice = batchOrSync.choose(first, r, inputTokens, eligible, now);
        boolean batch = eligible && choice.batch();
        reason.append(" model=").append(chain.getFirst());
        assignments.forEach(a -> reason.append(" variant=")
                .append(a.experiment())
                .append('/')
                .append(a.variant().name()));
        if (eligible) {
            reason.append(' ').append(choice.describe());
        }
        // The job's variant is its first experiment's, as when only the first experiment applied.
        LlmJob job = new LlmJob(
                r,
                tier,
                chain,
                inputTokens,
                worstCaseMicros(chain, r, inputTokens, batch),
                cacheKey,
                assignments.isEmpty() ? null : assignments.getFirst().variant().name(),
                reason.toString(),
                0,
                batch,
                v.injectionFlagged(),
                Instant.ofEpochMilli(now));
        return new Planned(job, t, cacheable, v.request());
    }

    /**
     * The model the tenant's routing policy gives the request's category, when the request is
     * AUTO's to route (tier AUTO, or no tier with the tenant's default AUTO), names no model, and
     * the model is in the catalogue and allowed to the tenant; else null (the heuristic decides).
     */
    private String policyModel(LlmRequest r, TenantConfig t) {
        TenantConfig.RoutingPolicy policy = t.routingPolicy();
        boolean auto = r.tier() == Tier.AUTO || r.tier() == null && t.defaultTier() == Tier.AUTO;
        String category = r.metadata().get(TenantConfig.CATEGORY_KEY);
        if (policy == null || !auto || category == null) {
            return null;
        }
        String model = policy.models().get(category);
        boolean usable = model != null
                && catalogue.model(model).isPresent()
                && (t.allowedModels().isEmpty() || t.allowedModels().contains(model));
        return usable ? model : null;
    }

    /** The smallest tier whose catalogue chain has the model; MEDIUM when none has it. */
    private Tier tierOf(String model, StringBuilder reason) {
        Tier tier = BY_SIZE.stream()
                .filter(x -> catalogue.chain(x).contains(model))
                .findFirst()
                .orElse(Tier.MEDIUM);
        reason.append("tier=").append(tier);
        return tier;
    }

    private static Tier chooseTier(LlmRequest r, TenantConfig t, Tier variantTier, StringBuilder reason) {
        Tier tier;
        if (variantTier != null && variantTier != Tier.AUTO) {
            tier = variantTier;
            reason.append("tier=").append(tier).append(" source=variant");
        } else if (r.tier() == null) {
            tier = t.defaultTier() == Tier.AUTO ? Complexity.score(r).tier() : t.defaultTier();
            reason.append("tier=").append(tier).append(" source=tenant-default");
        } else if (r.tier() == Tier.AUTO) {
            Complexity.Score score = Complexity.score(r);
            tier = score.tier();
            reason.append("tier=").append(tier).append(" source=auto score=").append(score.points());
        } else {
            tier = r.tier();
            reason.append("tier=").append(tier).append(" source=request");
        }
        Tier allowed = nearestAllowed(tier, t);
        if (allowed != tier) {
            reason.append(" moved-to=").append(allowed);
        }
        return allowed;
    }

    /** The tier itself when allowed, else the nearest allowed one, smaller first. */
    static Tier nearestAllowed(Tier tier, TenantConfig t) {
        if (t.allowedTiers().isEmpty() || t.allowedTiers().contains(tier)) {
            return tier;
        }
        int at = BY_SIZE.indexOf(tier);
        for (int d = 1; d < BY_SIZE.size(); d++) {
            for (int i : new int[] {at - d, at + d}) {
                if (i >= 0 && i < BY_SIZE.size() && t.allowedTiers().contains(BY_SIZE.get(i))) {
                    return BY_SIZE.get(i);
                }
            }
        }
        return tier;
    }

    /**
     * The most a job may cost, in the worst case the worker allows: its answer comes from the
     * dearest model of the chain (any model may answer once those before it fail, and failed calls
     * are not billed), with every input token written to the prompt cache where that costs more,
     * and all of maxOutputTokens used; a JSON answer may take a repair call whose input is the
     * request, the answer and the repair prompt; a batch job may have its line billed at batch
     * prices before it is re-driven through the sync path. Reserving this rather than one call at the
     * first model's price keeps a tenant within its budget when a primary outage sends every job to
     * a dearer fallback.
     */
    long worstCaseMicros(List<String> chain, LlmRequest r, long inputTokens, boolean batch) {
        long out = Math.max(0, r.maxOutputTokens());
        boolean json = r.responseFormat() != null && r.responseFormat().type() != ResponseFormat.Type.TEXT;
        long worst = 0;
        long worstBatch = 0;
        for (String name : chain) {
            Optional<ModelSpec> found = catalogue.model(name);
            if (found.isEmpty()) {
                continue;
            }
            ModelSpec m = found.get();
            long calls = oneCall(m, inputTokens, out);
            if (json) {
                calls = Math.addExact(calls, oneCall(m, inputTokens + out + REPAIR_PROMPT_TOKENS, out));
            }
            worst = Math.max(worst, calls);
            if (batch && m.batchApi()) {
                worstBatch =
                        Math.max(worstBatch, Pricing.costMicros(m, new Usage(inputTokens, out, 0, 0), CostBasis.BATCH));
            }
        }
        return Math.addExact(worst, worstBatch);
    }

    /** Tokens the worker's repair prompt adds, with room to spare. */
    private static final long REPAIR_PROMPT_TOKENS = 256;

    private static long oneCall(ModelSpec m, long inputTokens, long outputTokens) {
        return Math.max(
                Pricing.costMicros(m, new Usage(inputTokens, outputTokens, 0, 0), CostBasis.SYNC),
                Pricing.costMicros(m, new Usage(0, outputTokens, 0, inputTokens), CostBasis.SYNC));
    }

    /** The models a job tries: an explicit model first, then the tier's; only those the tenant may use. */
    List<String> chain(Tier tier, String model, TenantConfig t) {
        List<String> chain = new ArrayList<>();
        if (model != null) {
            chain.add(model);
        }
        for (String m : catalogue.chain(tier)) {
            if (!chain.contains(m)
                    && (t.allowedModels().isEmpty() || t.allowedModels().contains(m))) {
                chain.add(m);
            }
        }
        if (chain.isEmpty()) {
            // Every model of the tier is outside the tenant's list: fall back to its own models.
            chain.addAll(t.allowedModels());
        }
        return chain;
    }

    /**
     * The same job one tier cheaper (the next smaller tier the tenant may use), for a budget that
     * does not fit; empty when there is none. An explicit model is dropped, being what cost too
     * much; the cache key is dropped too, because the answer will come from another chain.
     */
    Optional<LlmJob> cheaper(LlmJob job, TenantConfig t) {
        for (int i = BY_SIZE.indexOf(job.tier()) - 1; i >= 0; i--) {
            Tier smaller = BY_SIZE.get(i);
            if (!t.allowedTiers().isEmpty() && !t.allowedTiers().contains(smaller)) {
                continue;
            }
            List<String> chain = chain(smaller, null, t);
            if (chain.isEmpty()) {
                continue;
            }
            String reason = job.routeReason() + " downgraded=" + smaller + " (budget)";
            boolean batch =
                    job.batchEligible() && catalogue.require(chain.getFirst()).batchApi();
            long estimate = worstCaseMicros(chain, job.request(), job.estimatedInputTokens(), batch);
            return Optional.of(new LlmJob(
                    job.request(),
                    smaller,
                    chain,
                    job.estimatedInputTokens(),
                    estimate,
                    null,
                    job.variant(),
                    reason,
                    job.attempt(),
                    batch,
                    job.injectionFlagged(),
                    job.routedAt()));
        }
        return Optional.empty();
    }
}
