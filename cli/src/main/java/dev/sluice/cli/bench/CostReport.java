package dev.sluice.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.model.CacheHit;
import dev.sluice.model.CostBasis;
import dev.sluice.model.CostEvent;
import dev.sluice.model.LlmResult;
import dev.sluice.model.Message;
import dev.sluice.model.Role;
import dev.sluice.model.Usage;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.runtime.catalogue.Pricing;
import dev.sluice.runtime.tokens.TokenCounter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code sluice bench cost} prints: each run's spend by basis, model and kind, their ratios, a
 * lower bound, the routing policy the policy run used, and the ledger check.
 */
record CostReport(
        int jobs,
        Run naive,
        Run configured,
        Run policy,
        long lowerBoundMicros,
        boolean ledgerExact,
        List<String> ledgerProblems,
        Map<String, Map<String, String>> policies) {

    /** One run's figures, micro-dollars. */
    record Run(
            int results,
            long spentMicros,
            Map<String, Long> byBasis,
            Map<String, Long> byModel,
            Map<String, Long> byKind,
            Map<String, Integer> byStatus,
            int batchJobs,
            int cacheHits,
            int semanticHits) {}

    /**
     * {@code results}: each mode's results by requestId; {@code policies}: the policy run's routing
     * policy per provider (category to model).
     */
    static CostReport of(
            CostWorkload workload,
            String run,
            Map<CostWorkload.Mode, Map<String, LlmResult>> results,
            List<CostEvent> costs,
            Map<String, Long> spend,
            ModelCatalogue catalogue,
            Map<String, Map<String, String>> policies) {
        List<String> problems = new java.util.ArrayList<>();
        Map<CostWorkload.Mode, Run> runs = new java.util.EnumMap<>(CostWorkload.Mode.class);
        for (CostWorkload.Mode mode : CostWorkload.Mode.values()) {
            runs.put(mode, run(workload, mode.prefix(run), results.getOrDefault(mode, Map.of()), costs));
        }
        // The ledger: per tenant, results' costs = cost events = the spend ledger's days.
        for (CostWorkload.Mode mode : CostWorkload.Mode.values()) {
            Map<String, LlmResult> byId = results.getOrDefault(mode, Map.of());
            for (CostWorkload.Provider provider : CostWorkload.Provider.values()) {
                String tenant = CostWorkload.tenantId(run, mode, provider);
                long fromResults = byId.values().stream()
                        .filter(r -> r.tenantId().equals(tenant))
                        .mapToLong(LlmResult::costMicros)
                        .sum();
                long fromEvents = costs.stream()
                        .filter(e -> e.tenantId().equals(tenant))
                        .mapToLong(CostEvent::costMicros)
                        .sum();
                long fromSpend = spend.entrySet().stream()
                        .filter(e -> e.getKey().startsWith(tenant + "/")
                                && e.getKey().length() == tenant.length() + 11)
                        .mapToLong(Map.Entry::getValue)
                        .sum();
                if (fromResults != fromEvents || fromEvents != fromSpend) {
                    problems.add(tenant + ": results " + fromResults + ", cost events " + fromEvents + ", llm.spend "
                            + fromSpend + " micro-dollars");
                }
            }
        }
        return new CostReport(
                workload.jobs().size(),
                runs.get(CostWorkload.Mode.NAIVE),
                runs.get(CostWorkload.Mode.CONFIGURED),
                runs.get(CostWorkload.Mode.POLICY),
                lowerBound(workload, run, results.getOrDefault(CostWorkload.Mode.NAIVE, Map.of()), catalogue),
                problems.isEmpty(),
                problems,
                policies);
    }

    private static Run run(
            CostWorkload workload, String prefix, Map<String, LlmResult> results, List<CostEvent> costs) {
        Map<String, Long> byBasis = new TreeMap<>();
        Map<String, Long> byModel = new TreeMap<>();
        for (CostEvent e : costs) {
            if (e.requestId() != null && e.requestId().startsWith(prefix)) {
                byBasis.merge(e.basis().name().toLowerCase(Locale.ROOT), e.costMicros(), Long::sum);
                byModel.merge(e.model(), e.costMicros(), Long::sum);
            }
        }
        Map<String, Long> byKind = new LinkedHashMap<>();
        for (CostWorkload.Kind kind : CostWorkload.Kind.values()) {
            byKind.put(kind.name().toLowerCase(Locale.ROOT), 0L);
        }
        Map<String, Integer> byStatus = new TreeMap<>();
        long spent = 0;
        int batch = 0;
        int hits = 0;
        int semantic = 0;
        for (CostWorkload.Job job : workload.jobs()) {
            LlmResult r = results.get(prefix + job.index());
            if (r == null) {
                continue;
            }
            spent += r.costMicros();
            byKind.merge(job.kind().name().toLowerCase(Locale.ROOT), r.costMicros(), Long::sum);
            byStatus.merge(r.status().name(), 1, Integer::sum);
            batch += r.batch() ? 1 : 0;
            hits += r.cacheHit() != CacheHit.NONE ? 1 : 0;
            semantic += r.cacheHit() == CacheHit.SEMANTIC ? 1 : 0;
        }
        return new Run(results.size(), spent, byBasis, byModel, byKind, byStatus, batch, hits, semantic);
    }

    /**
     * What the workload could cost at best under its quality bar: duplicates and paraphrases free
     * (perfect exact and semantic caches); a simple job on its provider's SMALL model and a complex
     * one on its LARGE model, with the shared system prompt read from the prompt cache (where it
     * reaches the model's minimum), at the
     * cheaper of sync and (when its deadline allows) batch prices; answers as long as the naive
     * run's answer to the same job.
     */
    static long lowerBound(CostWorkload workload, String run, Map<String, LlmResult> naive, ModelCatalogue catalogue) {
        long total = 0;
        Map<String, Integer> promptTokens = new java.util.HashMap<>(); // three shared prompts, counted once each
        for (CostWorkload.Job job : workload.jobs()) {
            if (job.kind() == CostWorkload.Kind.DUPLICATE || job.kind() == CostWorkload.Kind.PARAPHRASE) {
                continue;
            }
            LlmResult answered = naive.get(CostWorkload.Mode.NAIVE.prefix(run) + job.index());
            if (answered == null) {
                continue;
            }
            ModelSpec model =
                    catalogue.require(job.provider().models.get(job.kind() == CostWorkload.Kind.SIMPLE ? 0 : 2));
            long input = answered.usage().totalInputTokens();
            long prefix = Math.min(
                    input,
                    promptTokens.computeIfAbsent(
                            job.system(),
                            system -> TokenCounter.chatTokens(List.of(new Message(Role.SYSTEM, system, true)))));
            if (prefix < model.minCacheTokens()) {
                prefix = 0; // too short for this model's prompt cache: it is read at the input price
            }
            Usage usage = new Usage(input - prefix, answered.usage().outputTokens(), prefix, 0);
            long best = Pricing.costMicros(model, usage, CostBasis.SYNC);
            if (job.deadline()) {
                best = Math.min(best, Pricing.costMicros(model, usage, CostBasis.BATCH));
            }
            total += best;
        }
        return total;
    }

    boolean complete() {
        return naive.results() == jobs && configured.results() == jobs && policy.results() == jobs;
    }

    double ratio() {
        return naive.spentMicros() == 0 ? 0 : (double) configured.spentMicros() / naive.spentMicros();
    }

    /** The policy run's spend over the configured run's: what routing by the eval saves over AUTO's heuristic. */
    double policyRatio() {
        return configured.spentMicros() == 0 ? 0 : (double) policy.spentMicros() / configured.spentMicros();
    }

    double overLowerBound() {
        return lowerBoundMicros == 0 ? 0 : (double) configured.spentMicros() / lowerBoundMicros;
    }

    String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-28s %14s %14s %14s%n", "", "naive", "configured", "policy"));
        row(sb, "jobs with a result", Run::results);
        money(sb, "spend", Run::spentMicros);
        for (String basis : keys(Run::byBasis)) {
            money(sb, "  basis " + basis, r -> r.byBasis().getOrDefault(basis, 0L));
        }
        for (String model : keys(Run::byModel)) {
            money(sb, "  model " + model, r -> r.byModel().getOrDefault(model, 0L));
        }
        for (String kind : naive.byKind().keySet()) {
            money(sb, "  kind " + kind, r -> r.byKind().getOrDefault(kind, 0L));
        }
        row(sb, "jobs in a provider batch", Run::batchJobs);
        row(sb, "cache hits", Run::cacheHits);
        row(sb, "  of them semantic", Run::semanticHits);
        sb.append(String.format(
                Locale.ROOT,
                "%-28s %14s %14s %14s%n",
                "results by status",
                naive.byStatus(),
                configured.byStatus(),
                policy.byStatus()));
        sb.append(String.format(Locale.ROOT, "configured / naive          %.3f%n", ratio()));
        sb.append(String.format(
                Locale.ROOT, "policy / configured         %.3f  (the routing policy: %s)%n", policyRatio(), policies));
        sb.append(String.format(
                Locale.ROOT,
                "lower bound                 $%.6f (configured is %.2fx it)%n",
                lowerBoundMicros / 1e6,
                overLowerBound()));
        sb.append("ledger                      ")
                .append(ledgerExact ? "exact: results = cost events = llm.spend" : "NOT exact: " + ledgerProblems)
                .append(System.lineSeparator());
        return sb.toString();
    }

    String json() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("jobs", jobs);
        out.put("naive", naive);
        out.put("configured", configured);
        out.put("policy", policy);
        out.put("ratio", Math.round(ratio() * 1000) / 1000.0);
        out.put("policyRatio", Math.round(policyRatio() * 1000) / 1000.0);
        out.put("policies", policies);
        out.put("lowerBoundMicros", lowerBoundMicros);
        out.put("configuredOverLowerBound", Math.round(overLowerBound() * 100) / 100.0);
        out.put("ledgerExact", ledgerExact);
        out.put("ledgerProblems", ledgerProblems);
        try {
            return new ObjectMapper().writeValueAsString(out);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private java.util.Set<String> keys(java.util.function.Function<Run, Map<String, Long>> part) {
        java.util.Set<String> keys = new java.util.TreeSet<>();
        for (Run r : List.of(naive, configured, policy)) {
            keys.addAll(part.apply(r).keySet());
        }
        return keys;
    }

    private void row(StringBuilder sb, String name, java.util.function.ToLongFunction<Run> value) {
        sb.append(String.format(
                Locale.ROOT,
                "%-28s %14d %14d %14d%n",
                name,
                value.applyAsLong(naive),
                value.applyAsLong(configured),
                value.applyAsLong(policy)));
    }

    private void money(StringBuilder sb, String name, java.util.function.ToLongFunction<Run> value) {
        sb.append(String.format(
                Locale.ROOT,
                "%-28s %14s %14s %14s%n",
                name,
                dollars(value.applyAsLong(naive)),
                dollars(value.applyAsLong(configured)),
                dollars(value.applyAsLong(policy))));
    }

    private static String dollars(long micros) {
        return String.format(Locale.ROOT, "$%.4f", micros / 1e6);
    }
}
