package dev.sluice.cli.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Two runs of one suite side by side: per model and category, the pass rate, p95 latency and
 * cost per request of each and the change; then the cases that passed before and fail now
 * (regressed) and the reverse (fixed). A model or category only one run has is shown with the
 * other side empty.
 */
record EvalCompare(EvalReport before, EvalReport after) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A case that changed: passed in one run, failed in the other. */
    record Change(String model, String caseId, String detail) {}

    List<Change> regressed() {
        return changes(before, after, true);
    }

    List<Change> fixed() {
        return changes(before, after, false);
    }

    private static List<Change> changes(EvalReport a, EvalReport b, boolean regressed) {
        List<Change> out = new ArrayList<>();
        for (CaseResult now : b.cases()) {
            a.cases().stream()
                    .filter(c -> c.model().equals(now.model()) && c.caseId().equals(now.caseId()))
                    .findFirst()
                    .ifPresent(then -> {
                        if (regressed ? then.pass() && !now.pass() : !then.pass() && now.pass()) {
                            out.add(new Change(now.model(), now.caseId(), now.detail()));
                        }
                    });
        }
        return out;
    }

    private Set<String> models() {
        Set<String> models = new LinkedHashSet<>(before.models());
        models.addAll(after.models());
        return models;
    }

    ObjectNode json() {
        ObjectNode root = JSON.createObjectNode();
        root.set("before", run(before));
        root.set("after", run(after));
        ObjectNode models = root.putObject("models");
        Map<String, Map<String, EvalReport.Stats>> a = before.stats();
        Map<String, Map<String, EvalReport.Stats>> b = after.stats();
        for (String model : models()) {
            ObjectNode m = models.putObject(model);
            for (String category : categories(a.get(model), b.get(model))) {
                ObjectNode c = m.putObject(category);
                EvalReport.Stats x = a.getOrDefault(model, Map.of()).get(category);
                EvalReport.Stats y = b.getOrDefault(model, Map.of()).get(category);
                c.set("before", x == null ? null : side(x));
                c.set("after", y == null ? null : side(y));
                if (x != null && y != null) {
                    c.put("passRateChange", Math.round((y.passRate() - x.passRate()) * 10_000) / 10_000.0);
                    c.put("p95MsChange", y.p95Ms() - x.p95Ms());
                    c.put("costPerRequestMicrosChange", y.costPerRequestMicros() - x.costPerRequestMicros());
                }
            }
        }
        root.set("regressed", changes(regressed()));
        root.set("fixed", changes(fixed()));
        return root;
    }

    String text() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                Locale.ROOT,
                "Suite %s: run %s (%s) -> run %s (%s)%n",
                after.suite(),
                before.runId(),
                before.startedAt(),
                after.runId(),
                after.startedAt()));
        Map<String, Map<String, EvalReport.Stats>> a = before.stats();
        Map<String, Map<String, EvalReport.Stats>> b = after.stats();
        for (String model : models()) {
            out.append(String.format(
                    Locale.ROOT, "%n%s%n  %-22s %16s %18s %28s%n", model, "category", "pass", "p95", "$/request"));
            for (String category : categories(a.get(model), b.get(model))) {
                EvalReport.Stats x = a.getOrDefault(model, Map.of()).get(category);
                EvalReport.Stats y = b.getOrDefault(model, Map.of()).get(category);
                out.append(String.format(
                        Locale.ROOT,
                        "  %-22s %6s -> %6s %7s -> %7s %12s -> %12s%s%n",
                        category,
                        x == null ? "-" : percent(x.passRate()),
                        y == null ? "-" : percent(y.passRate()),
                        x == null ? "-" : x.p95Ms() + "ms",
                        y == null ? "-" : y.p95Ms() + "ms",
                        x == null ? "-" : EvalReport.dollars(x.costPerRequestMicros()),
                        y == null ? "-" : EvalReport.dollars(y.costPerRequestMicros()),
                        x == null || y == null
                                ? ""
                                : String.format(
                                        Locale.ROOT, "   (pass %+.1f pp)", 100 * (y.passRate() - x.passRate()))));
            }
        }
        list(out, "Regressed", regressed());
        list(out, "Fixed", fixed());
        return out.toString();
    }

    private static void list(StringBuilder out, String title, List<Change> changes) {
        out.append(String.format(Locale.ROOT, "%n%s (%d)%s%n", title, changes.size(), changes.isEmpty() ? "" : ":"));
        changes.stream()
                .limit(50)
                .forEach(c -> out.append(
                        String.format(Locale.ROOT, "  %-18s %-28s %s%n", c.model(), c.caseId(), c.detail())));
    }

    private static Set<String> categories(Map<String, EvalReport.Stats> x, Map<String, EvalReport.Stats> y) {
        Set<String> all = new LinkedHashSet<>();
        if (x != null) {
            all.addAll(x.keySet());
        }
        if (y != null) {
            all.addAll(y.keySet());
        }
        return all;
    }

    private static ObjectNode run(EvalReport r) {
        return JSON.createObjectNode()
                .put("runId", r.runId())
                .put("startedAt", r.startedAt().toString())
                .put("tenant", r.tenant());
    }

    private static ObjectNode side(EvalReport.Stats s) {
        return JSON.createObjectNode()
                .put("cases", s.cases())
                .put("passRate", Math.round(s.passRate() * 10_000) / 10_000.0)
                .put("p95Ms", s.p95Ms())
                .put("costPerRequestMicros", s.costPerRequestMicros());
    }

    private static ArrayNode changes(List<Change> changes) {
        ArrayNode out = JSON.createArrayNode();
        changes.forEach(c -> out.addObject()
                .put("model", c.model())
                .put("caseId", c.caseId())
                .put("detail", c.detail()));
        return out;
    }

    private static String percent(double rate) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * rate);
    }
}
