package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Every PromQL query the operator material in deploy/ runs: the alert rules in
 * deploy/helm/sluice/files/prometheus/sluice-alerts.yml and each panel's and variable's query in
 * the Grafana dashboards in deploy/helm/sluice/files/grafana, with where it comes from, and what a
 * real scrape says of them.
 */
final class DeployQueries {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([^,]+?)\\s*,\\s*(\\w+)\\s*\\)");

    /** A query and where it is: {@code alert SluiceJobsStuck}, {@code sluice-cost.json / Spend rate by tenant}. */
    record Query(String origin, String expr) {}

    private DeployQueries() {}

    /** The repository's root: the first directory up from here that has deploy/helm/sluice/files/prometheus. */
    static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("deploy/helm/sluice/files/prometheus"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no deploy/helm/sluice/files/prometheus above "
                    + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    static Path rules() {
        return root().resolve("deploy/helm/sluice/files/prometheus/sluice-alerts.yml");
    }

    static Path ruleTests() {
        return root().resolve("deploy/helm/sluice/files/prometheus/sluice-alerts.test.yml");
    }

    /** Each alert's name and expression, in file order. */
    static Map<String, String> alerts() throws IOException {
        Map<String, String> alerts = new LinkedHashMap<>();
        for (JsonNode group : YAML.readTree(rules().toFile()).path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                if (rule.has("alert")) {
                    alerts.put(rule.get("alert").asText(), rule.get("expr").asText());
                }
            }
        }
        return alerts;
    }

    static List<Path> dashboardFiles() throws IOException {
        try (Stream<Path> files = Files.list(root().resolve("deploy/helm/sluice/files/grafana"))) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    /** Every panel of a dashboard, rows' own panels included. */
    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            out.add(p);
            p.path("panels").forEach(out::add);
        }
        return out;
    }

    static List<Query> all() throws IOException {
        List<Query> out = new ArrayList<>();
        alerts().forEach((name, expr) -> out.add(new Query("alert " + name, expr)));
        for (Path file : dashboardFiles()) {
            JsonNode dashboard = JSON.readTree(file.toFile());
            String board = file.getFileName().toString();
            for (JsonNode panel : panels(dashboard)) {
                for (JsonNode target : panel.path("targets")) {
                    out.add(new Query(
                            board + " / " + panel.path("title").asText() + " / "
                                    + target.path("refId").asText(),
                            target.path("expr").asText()));
                }
            }
            for (JsonNode variable : dashboard.path("templating").path("list")) {
                if (variable.path("type").asText().equals("query")) {
                    JsonNode query = variable.path("query");
                    String text = query.isObject() ? query.path("query").asText() : query.asText();
                    Matcher m = LABEL_VALUES.matcher(text);
                    if (!m.matches()) {
                        throw new IllegalStateException(
                                board + " variable " + variable.path("name").asText()
                                        + ": only label_values(series, label) queries are checked, not " + text);
                    }
                    // Reads as the same series and label as a query would
                    out.add(new Query(
                            board + " / variable " + variable.path("name").asText(),
                            "group by (" + m.group(2) + ") (" + m.group(1) + ")"));
                }
            }
        }
        return out;
    }

    /**
     * What in the queries no service exports: a metric no scrape has, a label matched or grouped by
     * that its series do not have, an exact label value none of them has. Values with a dashboard
     * variable ($tenant) and regular expressions are not held to the scrape.
     */
    static List<String> unexported(List<Query> queries, Collection<Scrape> scrapes) {
        List<Scrape.Sample> samples =
                scrapes.stream().flatMap(s -> s.samples().stream()).toList();
        Set<String> problems = new java.util.LinkedHashSet<>();
        for (Query q : queries) {
            PromQl.Reads reads = PromQl.read(q.expr());
            Set<String> labels = new HashSet<>();
            for (PromQl.Selector selector : reads.selectors()) {
                if (selector.metric() == null) {
                    problems.add(q.origin() + ": a selector without a metric name");
                    continue;
                }
                List<Scrape.Sample> series = samples.stream()
                        .filter(s -> s.name().equals(selector.metric()))
                        .toList();
                if (series.isEmpty()) {
                    problems.add(q.origin() + ": " + selector.metric() + " is not exported");
                    continue;
                }
                series.forEach(s -> labels.addAll(s.labels().keySet()));
                for (PromQl.Matcher m : selector.matchers()) {
                    if (series.stream().noneMatch(s -> s.labels().containsKey(m.label()))) {
                        problems.add(q.origin() + ": " + selector.metric() + " has no label " + m.label());
                    } else if (m.op().equals("=")
                            && !m.value().contains("$")
                            && series.stream()
                                    .noneMatch(s -> m.value().equals(s.labels().get(m.label())))) {
                        problems.add(q.origin() + ": " + selector.metric() + " has no series with " + m.label() + "=\""
                                + m.value() + "\"");
                    }
                }
            }
            for (String label : reads.groupingLabels()) {
                if (!labels.contains(label)) {
                    problems.add(q.origin() + ": grouped by " + label + ", which none of its series has");
                }
            }
        }
        return List.copyOf(problems);
    }
}
