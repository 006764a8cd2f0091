package dev.sluice.cli.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.cli.Percentiles;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One eval run: what was run, every case's outcome, and per model and category the pass rate,
 * latency p50/p95, mean tokens, cost per request and cost per passed case. It is also the record
 * kept on {@code llm.eval-runs} (as JSON), so {@code sluice eval compare} reads back what this wrote.
 */
public record EvalReport(
        String runId,
        String suite,
        String tenant,
        List<String> models,
        boolean skipCache,
        Instant startedAt,
        Instant finishedAt,
        List<CaseResult> cases) {
    /** The category that sums all of a model's cases. */
    public static final String ALL = "all";

    static final int FORMAT = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    public EvalReport {
        models = List.copyOf(models);
        cases = List.copyOf(cases);
    }

    /**
     * A model's figures over some cases.
     *
     * @param costPerRequestMicros the mean cost of an answer (judges' calls not included)
     * @param costPerPassedMicros all the answers' cost over the cases that passed; -1 when none did
     */
    public record Stats(
            int cases,
            int passed,
            int noResult,
            int judgeErrors,
            int cached,
            long p50Ms,
            long p95Ms,
            double meanInputTokens,
            double meanOutputTokens,
            long costMicros,
            long judgeCostMicros,
            long costPerRequestMicros,
            long costPerPassedMicros) {
        public double passRate() {
            return cases == 0 ? 0 : (double) passed / cases;
        }

        static Stats of(List<CaseResult> results) {
            int n = results.size();
            long[] latencies = results.stream()
                    .filter(r -> !r.status().equals(CaseResult.NO_RESULT))
                    .mapToLong(CaseResult::latencyMs)
                    .sorted()
                    .toArray();
            int passed = (int) results.stream().filter(CaseResult::pass).count();
            long cost = results.stream().mapToLong(CaseResult::costMicros).sum();
            return new Stats(
                    n,
                    passed,
                    (int) results.stream()
                            .filter(r -> r.status().equals(CaseResult.NO_RESULT))
                            .count(),
                    (int) results.stream().filter(CaseResult::judgeError).count(),
                    (int) results.stream().filter(CaseResult::cached).count(),
                    Percentiles.nearestRank(latencies, 50),
                    Percentiles.nearestRank(latencies, 95),
                    n == 0
                            ? 0
                            : results.stream()
                                    .mapToLong(CaseResult::inputTokens)
                                    .average()
                                    .orElse(0),
                    n == 0
                            ? 0
                            : results.stream()
                                    .mapToLong(CaseResult::outputTokens)
                                    .average()
                                    .orElse(0),
                    cost,
                    results.stream().mapToLong(CaseResult::judgeCostMicros).sum(),
                    n == 0 ? 0 : Math.round((double) cost / n),
                    passed == 0 ? -1 : Math.round((double) cost / passed));
        }
    }

    /** Per model (in run order), per category (sorted, {@link #ALL} first): the figures. */
    public Map<String, Map<String, Stats>> stats() {
        Map<String, Map<String, Stats>> out = new LinkedHashMap<>();
        for (String model : models) {
            List<CaseResult> mine =
                    cases.stream().filter(c -> c.model().equals(model)).toList();
            Map<String, Stats> byCategory = new LinkedHashMap<>();
            byCategory.put(ALL, Stats.of(mine));
            Map<String, List<CaseResult>> grouped = new TreeMap<>();
            mine.forEach(c -> grouped.computeIfAbsent(c.category(), k -> new ArrayList<>())
                    .add(c));
            grouped.forEach((category, list) -> byCategory.put(category, Stats.of(list)));
            out.put(model, byCategory);
        }
        return out;
    }

    /** The models whose pass rate over all cases is below {@code minPass}, in run order. */
    public List<String> below(double minPass) {
        return stats().entrySet().stream()
                .filter(e -> e.getValue().get(ALL).passRate() < minPass)
                .map(Map.Entry::getKey)
                .toList();
    }

    public ObjectNode json() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("runId", runId);
        root.put("suite", suite);
        root.put("tenant", tenant);
        root.set("models", JSON.valueToTree(models));
        root.put("skipCache", skipCache);
        root.put("startedAt", startedAt.toString());
        root.put("finishedAt", finishedAt.toString());
        ObjectNode summary = root.putObject("summary");
        stats().forEach((model, byCategory) -> {
            ObjectNode m = summary.putObject(model);
            byCategory.forEach((category, s) -> {
                ObjectNode node = m.putObject(category);
                JSON.valueToTree(s).properties().forEach(e -> node.set(e.getKey(), e.getValue()));
                node.put("passRate", round(s.passRate()));
            });
        });
        ArrayNode list = root.putArray("cases");
        cases.forEach(c -> list.add(JSON.<JsonNode>valueToTree(c)));
        return root;
    }

    /** The report kept on llm.eval-runs, read back. */
    public static EvalReport fromJson(JsonNode root) {
        if (root.path("format").asInt() != FORMAT) {
            throw new IllegalArgumentException("eval run format " + root.path("format") + " is not " + FORMAT);
        }
        List<String> models = new ArrayList<>();
        root.path("models").forEach(m -> models.add(m.asText()));
        List<CaseResult> cases = new ArrayList<>();
        for (JsonNode c : root.path("cases")) {
            cases.add(JSON.convertValue(c, CaseResult.class));
        }
        return new EvalReport(
                root.path("runId").asText(),
                root.path("suite").asText(),
                root.path("tenant").asText(),
                models,
                root.path("skipCache").asBoolean(),
                Instant.parse(root.path("startedAt").asText()),
                Instant.parse(root.path("finishedAt").asText()),
                cases);
    }

    /** A table per model: one row per category, then the cases that failed. */
    public String text() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                Locale.ROOT,
                "Eval %s, run %s, tenant %s, %d cases x %d models%s%n",
                suite,
                runId,
                tenant,
                cases.size() / Math.max(1, models.size()),
                models.size(),
                skipCache ? ", cache skipped" : ""));
        stats().forEach((model, byCategory) -> {
            out.append(String.format(
                    Locale.ROOT,
                    "%n%s%n  %-22s %6s %7s %7s %7s %9s %9s %12s %12s%n",
                    model,
                    "category",
                    "cases",
                    "pass",
                    "p50",
                    "p95",
                    "in tok",
                    "out tok",
                    "$/request",
                    "$/passed"));
            byCategory.forEach((category, s) -> out.append(String.format(
                    Locale.ROOT,
                    "  %-22s %6d %6.1f%% %5dms %5dms %9.0f %9.0f %12s %12s%n",
                    category,
                    s.cases(),
                    100 * s.passRate(),
                    s.p50Ms(),
                    s.p95Ms(),
                    s.meanInputTokens(),
                    s.meanOutputTokens(),
                    dollars(s.costPerRequestMicros()),
                    s.costPerPassedMicros() < 0 ? "-" : dollars(s.costPerPassedMicros()))));
            Stats all = byCategory.get(ALL);
            if (all.judgeCostMicros() > 0 || all.noResult() > 0 || all.judgeErrors() > 0 || all.cached() > 0) {
                out.append(String.format(
                        Locale.ROOT,
                        "  judges cost %s; %d without a result, %d judge errors," + " %d answered from the cache%n",
                        dollars(all.judgeCostMicros()),
                        all.noResult(),
                        all.judgeErrors(),
                        all.cached()));
            }
        });
        List<CaseResult> failed = cases.stream().filter(c -> !c.pass()).toList();
        if (!failed.isEmpty()) {
            out.append(String.format(Locale.ROOT, "%nFailed (%d):%n", failed.size()));
            failed.stream()
                    .limit(50)
                    .forEach(c -> out.append(
                            String.format(Locale.ROOT, "  %-18s %-28s %s%n", c.model(), c.caseId(), c.detail())));
            if (failed.size() > 50) {
                out.append("  ... and ").append(failed.size() - 50).append(" more (--json lists all)\n");
            }
        }
        return out.toString();
    }

    /** Micro-dollars as dollars with six decimals, exact. */
    static String dollars(long micros) {
        return dev.sluice.cli.Money.dollars(micros);
    }

    private static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }
}
