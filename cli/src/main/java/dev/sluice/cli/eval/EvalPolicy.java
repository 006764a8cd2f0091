package dev.sluice.cli.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.model.TenantConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A routing policy from an eval run: per category, the cheapest model (by cost per request) whose
 * pass rate meets the bar over at least {@code minCases} cases, among the models the tenant may
 * use; ties go to the higher pass rate. A category where none qualifies is left to AUTO's
 * heuristic. When the run also measured {@code auto}, each row says what AUTO cost and passed
 * there, so the saving is read off the same run.
 */
record EvalPolicy(EvalReport run, double bar, int minCases, List<Row> rows) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One category: the model chosen (null: none met the bar) and why, with AUTO's figures when
     * the run measured them (null otherwise).
     */
    record Row(
            String category,
            String model,
            double passRate,
            long costPerRequestMicros,
            int cases,
            String why,
            EvalReport.Stats auto) {}

    static EvalPolicy of(EvalReport run, double bar, int minCases, List<String> allowedModels) {
        Map<String, Map<String, EvalReport.Stats>> stats = run.stats();
        List<String> candidates = run.models().stream()
                .filter(m -> !m.equals(EvalRunner.AUTO))
                .filter(m -> allowedModels.isEmpty() || allowedModels.contains(m))
                .toList();
        java.util.SortedSet<String> categories = new java.util.TreeSet<>();
        stats.values().forEach(byCategory -> categories.addAll(byCategory.keySet()));
        categories.remove(EvalReport.ALL);
        List<Row> rows = new ArrayList<>();
        for (String category : categories) {
            EvalReport.Stats auto =
                    stats.getOrDefault(EvalRunner.AUTO, Map.of()).get(category);
            List<Map.Entry<String, EvalReport.Stats>> qualified = new ArrayList<>();
            List<String> reasons = new ArrayList<>();
            for (String model : candidates) {
                EvalReport.Stats s = stats.get(model).get(category);
                if (s == null) {
                    continue;
                }
                if (s.cases() < minCases) {
                    reasons.add(model + " has " + s.cases() + " case(s), fewer than " + minCases);
                } else if (s.passRate() < bar) {
                    reasons.add(model + " passed " + percent(s.passRate()));
                } else {
                    qualified.add(Map.entry(model, s));
                }
            }
            qualified.sort(Comparator.<Map.Entry<String, EvalReport.Stats>>comparingLong(
                            e -> e.getValue().costPerRequestMicros())
                    .thenComparingDouble(e -> -e.getValue().passRate())
                    .thenComparing(Map.Entry::getKey));
            if (qualified.isEmpty()) {
                rows.add(new Row(
                        category,
                        null,
                        0,
                        0,
                        0,
                        "none met the bar: " + String.join("; ", reasons) + "; AUTO's heuristic routes it",
                        auto));
            } else {
                Map.Entry<String, EvalReport.Stats> best = qualified.getFirst();
                String why = qualified.size() == 1
                        ? "the only model at the bar"
                        : "the cheapest of " + qualified.size() + " at the bar";
                rows.add(new Row(
                        category,
                        best.getKey(),
                        best.getValue().passRate(),
                        best.getValue().costPerRequestMicros(),
                        best.getValue().cases(),
                        why,
                        auto));
            }
        }
        return new EvalPolicy(run, bar, minCases, List.copyOf(rows));
    }

    /** The tenant's policy: the chosen categories only. */
    TenantConfig.RoutingPolicy policy() {
        Map<String, String> models = new LinkedHashMap<>();
        rows.stream().filter(r -> r.model() != null).forEach(r -> models.put(r.category(), r.model()));
        return new TenantConfig.RoutingPolicy(bar, models, "eval " + run.suite() + " run " + run.runId());
    }

    ObjectNode json() {
        ObjectNode root = JSON.createObjectNode();
        root.put("suite", run.suite()).put("runId", run.runId()).put("bar", bar).put("minCases", minCases);
        ArrayNode list = root.putArray("categories");
        for (Row r : rows) {
            ObjectNode n = list.addObject().put("category", r.category());
            n.put("model", r.model());
            if (r.model() != null) {
                n.put("passRate", Math.round(r.passRate() * 10_000) / 10_000.0)
                        .put("cases", r.cases())
                        .put("costPerRequestMicros", r.costPerRequestMicros());
            }
            n.put("why", r.why());
            if (r.auto() != null) {
                n.putObject("auto")
                        .put("passRate", Math.round(r.auto().passRate() * 10_000) / 10_000.0)
                        .put("costPerRequestMicros", r.auto().costPerRequestMicros());
            }
        }
        ObjectNode models = root.putObject("policy");
        policy().models().forEach(models::put);
        return root;
    }

    String text() {
        StringBuilder out = new StringBuilder(String.format(
                Locale.ROOT,
                "Routing policy from eval %s, run %s: per category the cheapest model passing at least %s over %d+"
                        + " cases%n%n  %-22s %-20s %7s %12s %s%n",
                run.suite(),
                run.runId(),
                percent(bar),
                minCases,
                "category",
                "model",
                "pass",
                "$/request",
                "AUTO today (pass, $/request)"));
        for (Row r : rows) {
            String auto = r.auto() == null
                    ? "not measured (add auto to --models)"
                    : percent(r.auto().passRate()) + ", "
                            + EvalReport.dollars(r.auto().costPerRequestMicros());
            if (r.model() == null) {
                out.append(String.format(
                        Locale.ROOT,
                        "  %-22s %-20s %7s %12s %s%n      %s%n",
                        r.category(),
                        "(heuristic)",
                        "-",
                        "-",
                        auto,
                        r.why()));
            } else {
                out.append(String.format(
                        Locale.ROOT,
                        "  %-22s %-20s %7s %12s %s%n",
                        r.category(),
                        r.model(),
                        percent(r.passRate()),
                        EvalReport.dollars(r.costPerRequestMicros()),
                        auto));
            }
        }
        return out.toString();
    }

    private static String percent(double rate) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * rate);
    }
}
