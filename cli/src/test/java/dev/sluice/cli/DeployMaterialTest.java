package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * The alert rules and dashboards in deploy/: every rule tested by promtool where it should fire
 * and where it should not, every series they read promised by docs/metrics.md, every dashboard
 * panel complete. That the services really export those series is MetricsIT's to check, on a
 * real scrape.
 */
class DeployMaterialTest {

    @Test
    void shouldTestEveryAlertRuleBothFiringAndQuietAndPassPromtool() throws Exception {
        Map<String, String> alerts = DeployQueries.alerts();
        Set<String> firing = new TreeSet<>();
        Set<String> quiet = new TreeSet<>();
        for (JsonNode test :
                DeployQueries.YAML.readTree(DeployQueries.ruleTests().toFile()).path("tests")) {
            for (JsonNode check : test.path("alert_rule_test")) {
                (check.path("exp_alerts").isEmpty() ? quiet : firing)
                        .add(check.path("alertname").asText());
            }
        }

        assertThat(alerts)
                .as("the rules the issue asks for")
                .containsKeys(
                        "SluiceSpendHigh",
                        "SluiceTenantSpendHigh",
                        "SluiceErrorRateHigh",
                        "SluiceEndToEndSlow",
                        "SluiceProviderQuotaNearlyUsed",
                        "SluiceTenantBudget80Percent",
                        "SluiceTenantBudgetExhausted",
                        "SluiceDeadLettersGrowing",
                        "SluiceConsumerLagGrowing",
                        "SluiceJobsStuck");
        assertThat(firing).as("rules with a case where they fire").containsAll(alerts.keySet());
        assertThat(quiet).as("rules with a case where they stay quiet").containsAll(alerts.keySet());
        Path dir = DeployQueries.rules().getParent();
        Promtool.Run check = Promtool.run(dir, "check", "rules", "sluice-alerts.yml");
        assertThat(check.exitCode()).as(check.output()).isZero();
        Promtool.Run test = Promtool.run(dir, "test", "rules", "sluice-alerts.test.yml");
        assertThat(test.exitCode()).as(test.output()).isZero();
        assertThat(test.output()).contains("SUCCESS");
    }

    @Test
    void shouldReadOnlySeriesThatDocsMetricsPromises() throws Exception {
        String promised = Files.readString(DeployQueries.root().resolve("docs/metrics.md"));
        SoftAssertions soft = new SoftAssertions();
        for (DeployQueries.Query q : DeployQueries.all()) {
            for (PromQl.Selector s : PromQl.read(q.expr()).selectors()) {
                String family = s.metric().replaceAll("_(bucket|count|sum)$", "");
                soft.assertThat(promised.contains("`" + s.metric() + "`") || promised.contains("`" + family + "`"))
                        .as(q.origin() + " reads " + s.metric() + ", which docs/metrics.md does not list")
                        .isTrue();
            }
        }
        soft.assertAll();
    }

    @Test
    void shouldGiveEachDashboardPanelItsDatasourceQueriesAndPlace() throws Exception {
        List<Path> files = DeployQueries.dashboardFiles();
        assertThat(files)
                .extracting(p -> p.getFileName().toString())
                .containsExactly(
                        "sluice-cost.json", "sluice-overview.json", "sluice-providers.json", "sluice-tenants.json");
        Set<String> uids = new HashSet<>();
        SoftAssertions soft = new SoftAssertions();
        for (Path file : files) {
            JsonNode board = DeployQueries.JSON.readTree(file.toFile());
            String name = file.getFileName().toString();
            soft.assertThat(uids.add(board.path("uid").asText()))
                    .as(name + " uid is unique")
                    .isTrue();
            soft.assertThat(board.path("templating").path("list").findValuesAsText("name"))
                    .as(name)
                    .contains("datasource");
            Set<Integer> ids = new HashSet<>();
            for (JsonNode panel : DeployQueries.panels(board)) {
                String title = name + " / " + panel.path("title").asText();
                soft.assertThat(ids.add(panel.path("id").asInt()))
                        .as(title + ": id unique")
                        .isTrue();
                JsonNode grid = panel.path("gridPos");
                soft.assertThat(grid.path("x").asInt() + grid.path("w").asInt())
                        .as(title + ": fits 24 columns")
                        .isBetween(1, 24);
                if (panel.path("type").asText().equals("row")) {
                    continue;
                }
                soft.assertThat(panel.path("description").asText())
                        .as(title + ": description")
                        .isNotBlank();
                soft.assertThat(panel.path("datasource").path("uid").asText())
                        .as(title)
                        .isEqualTo("${datasource}");
                soft.assertThat(panel.path("targets")).as(title + ": queries").isNotEmpty();
                Set<String> refs = new HashSet<>();
                for (JsonNode target : panel.path("targets")) {
                    soft.assertThat(refs.add(target.path("refId").asText()))
                            .as(title + ": refId unique")
                            .isTrue();
                    soft.assertThat(target.path("expr").asText())
                            .as(title + ": expr")
                            .isNotBlank();
                }
            }
        }
        soft.assertAll();
    }

    @Test
    void shouldReportWhatAQueryReadsThatTheScrapeDoesNotHave() {
        Scrape scrape = Scrape.of("result-sink", """
                # TYPE sluice_sink_results_total counter
                sluice_sink_results_total{service="result-sink",tenant="acme",status="SUCCEEDED",reason="NONE"} 3.0
                """);
        List<DeployQueries.Query> queries = List.of(
                new DeployQueries.Query(
                        "ok",
                        "sum by (tenant) (rate(sluice_sink_results_total{status=\"SUCCEEDED\","
                                + "tenant=~\"$tenant\"}[5m]))"),
                new DeployQueries.Query("name", "sluice_sink_result_total"),
                new DeployQueries.Query("label", "sluice_sink_results_total{state=\"SUCCEEDED\"}"),
                new DeployQueries.Query("value", "sluice_sink_results_total{status=\"SUCCESS\"}"),
                new DeployQueries.Query("grouping", "sum by (model) (sluice_sink_results_total)"));

        assertThat(DeployQueries.unexported(queries, List.of(scrape)))
                .containsExactly(
                        "name: sluice_sink_result_total is not exported",
                        "label: sluice_sink_results_total has no label state",
                        "value: sluice_sink_results_total has no series with status=\"SUCCESS\"",
                        "grouping: grouped by model, which none of its series has");
    }
}
