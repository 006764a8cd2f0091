package dev.sluice.model;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** A tenant's configuration, as kept on the compacted llm.tenants topic. */
public record TenantConfig(
        String tenantId,
        String plan,
        Limits limits,
        BudgetPolicy budgetPolicy,
        List<Tier> allowedTiers,
        List<String> allowedModels,
        Tier defaultTier,
        Webhooks webhooks,
        Guardrails guardrails,
        CachePolicy cache,
        List<Experiment> experiments,
        long batchThresholdSeconds,
        int fairShareWeight,
        Instant updatedAt,
        boolean paused,
        RoutingPolicy routingPolicy) {

    /**
     * Where AUTO sends each task category, as an eval showed: per category (the request's metadata
     * {@code sluice.category}) the cheapest model whose pass rate met {@code bar}. A category not
     * listed, or a request without one, is routed by the complexity heuristic.
     *
     * @param source what it was made from, for people ("eval support run mxd976z1")
     */
    public record RoutingPolicy(double bar, java.util.Map<String, String> models, String source) {
        public RoutingPolicy {
            models = java.util.Map.copyOf(new java.util.TreeMap<>(models));
        }
    }

    /** The request metadata key naming a request's task category, as a routing policy reads it. */
    public static final String CATEGORY_KEY = "sluice.category";

    /** A tenant with no routing policy. */
    public TenantConfig(
            String tenantId,
            String plan,
            Limits limits,
            BudgetPolicy budgetPolicy,
            List<Tier> allowedTiers,
            List<String> allowedModels,
            Tier defaultTier,
            Webhooks webhooks,
            Guardrails guardrails,
            CachePolicy cache,
            List<Experiment> experiments,
            long batchThresholdSeconds,
            int fairShareWeight,
            Instant updatedAt,
            boolean paused) {
        this(
                tenantId,
                plan,
                limits,
                budgetPolicy,
                allowedTiers,
                allowedModels,
                defaultTier,
                webhooks,
                guardrails,
                cache,
                experiments,
                batchThresholdSeconds,
                fairShareWeight,
                updatedAt,
                paused,
                null);
    }

    /** Request, token and spend limits; null means unlimited. */
    public record Limits(
            Integer requestsPerMinute,
            Long tokensPerMinute,
            Long dailyBudgetMicros,
            Long monthlyBudgetMicros,
            Integer maxInputTokens) {
        public static final Limits UNLIMITED = new Limits(null, null, null, null, null);
    }

    /** Endpoints results may go to (the first is the default) and references to signing secrets. */
    public record Webhooks(List<String> endpoints, List<String> signingSecretRefs) {
        public static final Webhooks NONE = new Webhooks(List.of(), List.of());

        public Webhooks {
            endpoints = List.copyOf(endpoints);
            signingSecretRefs = List.copyOf(signingSecretRefs);
        }
    }

    public record Guardrails(InjectionPolicy injection, boolean redactPii) {
        public static final Guardrails DEFAULT = new Guardrails(InjectionPolicy.FLAG, false);
    }

    /**
     * The exact cache, and the semantic cache on top of it (off unless asked for): a request that
     * means the same as a cached one of the same model chain, system prompt and parameters takes
     * its answer when their similarity reaches {@code semanticThreshold} and nothing tells them apart.
     * {@code semanticEmbedder} says where the vectors come from: {@link #IN_PROCESS} (also when null),
     * or {@link #OPENAI}, the embeddings endpoint the router is configured with.
     */
    public record CachePolicy(
            boolean enabled,
            boolean includeNonZeroTemperature,
            long ttlSeconds,
            boolean semantic,
            double semanticThreshold,
            String semanticEmbedder) {
        public static final double DEFAULT_SEMANTIC_THRESHOLD = 0.75;
        public static final String IN_PROCESS = "in-process";
        public static final String OPENAI = "openai";
        public static final java.util.Set<String> EMBEDDERS = java.util.Set.of(IN_PROCESS, OPENAI);
        public static final CachePolicy DEFAULT = new CachePolicy(true, false, 86_400);

        public CachePolicy {
            semanticEmbedder = semanticEmbedder == null ? IN_PROCESS : semanticEmbedder;
        }

        /** The exact cache alone. */
        public CachePolicy(boolean enabled, boolean includeNonZeroTemperature, long ttlSeconds) {
            this(enabled, includeNonZeroTemperature, ttlSeconds, false, DEFAULT_SEMANTIC_THRESHOLD, IN_PROCESS);
        }

        /** With the in-process embedding model. */
        public CachePolicy(
                boolean enabled,
                boolean includeNonZeroTemperature,
                long ttlSeconds,
                boolean semantic,
                double semanticThreshold) {
            this(enabled, includeNonZeroTemperature, ttlSeconds, semantic, semanticThreshold, IN_PROCESS);
        }

        /** With the semantic cache on at the default threshold. */
        public CachePolicy withSemantic() {
            return new CachePolicy(
                    enabled, includeNonZeroTemperature, ttlSeconds, true, semanticThreshold, semanticEmbedder);
        }

        /** With the semantic cache's vectors from {@code embedder} (one of {@link #EMBEDDERS}). */
        public CachePolicy withSemanticEmbedder(String embedder) {
            return new CachePolicy(
                    enabled, includeNonZeroTemperature, ttlSeconds, semantic, semanticThreshold, embedder);
        }
    }

    /**
     * One arm of an experiment: what it changes for the jobs assigned to it. Each part is null when
     * the variant leaves it as the request has it: the tier, the model, and the system prompt
     * ({@code systemPrompt} replaces the request's system messages); {@code promptVersion} labels it.
     */
    public record Variant(String name, int weight, Tier tier, String model, String promptVersion, String systemPrompt) {
        /** A variant that sets tier and model at most. */
        public Variant(String name, int weight, Tier tier, String model) {
            this(name, weight, tier, model, null, null);
        }
    }

    /** The metadata key a job's assignment to {@code experiment} goes under, its value the variant's name. */
    public static String experimentKey(String experiment) {
        return "sluice.experiment." + experiment;
    }

    public record Experiment(String name, List<Variant> variants) {
        public Experiment {
            variants = List.copyOf(variants);
        }
    }

    public static final long DEFAULT_BATCH_THRESHOLD_SECONDS = 3600;

    /** A tenant taking requests (not paused). */
    public TenantConfig(
            String tenantId,
            String plan,
            Limits limits,
            BudgetPolicy budgetPolicy,
            List<Tier> allowedTiers,
            List<String> allowedModels,
            Tier defaultTier,
            Webhooks webhooks,
            Guardrails guardrails,
            CachePolicy cache,
            List<Experiment> experiments,
            long batchThresholdSeconds,
            int fairShareWeight,
            Instant updatedAt) {
        this(
                tenantId,
                plan,
                limits,
                budgetPolicy,
                allowedTiers,
                allowedModels,
                defaultTier,
                webhooks,
                guardrails,
                cache,
                experiments,
                batchThresholdSeconds,
                fairShareWeight,
                updatedAt,
                false);
    }

    public TenantConfig {
        Objects.requireNonNull(tenantId, "tenantId");
        plan = plan == null ? "standard" : plan;
        limits = limits == null ? Limits.UNLIMITED : limits;
        budgetPolicy = budgetPolicy == null ? BudgetPolicy.REJECT : budgetPolicy;
        allowedTiers = allowedTiers == null ? List.of() : List.copyOf(allowedTiers);
        allowedModels = allowedModels == null ? List.of() : List.copyOf(allowedModels);
        defaultTier = defaultTier == null ? Tier.MEDIUM : defaultTier;
        webhooks = webhooks == null ? Webhooks.NONE : webhooks;
        guardrails = guardrails == null ? Guardrails.DEFAULT : guardrails;
        cache = cache == null ? CachePolicy.DEFAULT : cache;
        experiments = experiments == null ? List.of() : List.copyOf(experiments);
        fairShareWeight = fairShareWeight <= 0 ? 1 : fairShareWeight;
        updatedAt = updatedAt == null ? Instant.EPOCH : updatedAt;
    }

    /** A tenant with defaults everywhere and the given webhook setup. */
    public static TenantConfig basic(String tenantId, Webhooks webhooks, Instant updatedAt) {
        return new TenantConfig(
                tenantId,
                null,
                null,
                null,
                null,
                null,
                null,
                webhooks,
                null,
                null,
                null,
                DEFAULT_BATCH_THRESHOLD_SECONDS,
                1,
                updatedAt);
    }

    /**
     * The endpoint a result goes to: the request's own when it is one of the tenant's endpoints,
     * else the tenant's first when the request named none; null when there is none, or the request
     * named one the tenant has not registered (another tenant's, say). A URL the tenant has not
     * registered is never returned, whatever the request says.
     */
    public String endpointFor(String requested) {
        if (requested != null) {
            return registers(requested) ? requested : null;
        }
        return webhooks.endpoints().isEmpty() ? null : webhooks.endpoints().getFirst();
    }

    /**
     * This tenant paused or resumed, as of {@code at}: a paused tenant's new requests are rejected
     * TENANT_PAUSED by the router, and its jobs already routed run on.
     */
    public TenantConfig withPaused(boolean pause, Instant at) {
        return new TenantConfig(
                tenantId,
                plan,
                limits,
                budgetPolicy,
                allowedTiers,
                allowedModels,
                defaultTier,
                webhooks,
                guardrails,
                cache,
                experiments,
                batchThresholdSeconds,
                fairShareWeight,
                at,
                pause,
                routingPolicy);
    }

    /** This tenant with {@code policy} (null: none), as of {@code at}. */
    public TenantConfig withRoutingPolicy(RoutingPolicy policy, Instant at) {
        return new TenantConfig(
                tenantId,
                plan,
                limits,
                budgetPolicy,
                allowedTiers,
                allowedModels,
                defaultTier,
                webhooks,
                guardrails,
                cache,
                experiments,
                batchThresholdSeconds,
                fairShareWeight,
                at,
                paused,
                policy);
    }

    /** Whether {@code endpoint} is one of this tenant's webhook endpoints now. */
    public boolean registers(String endpoint) {
        return webhooks.endpoints().contains(endpoint);
    }
}
