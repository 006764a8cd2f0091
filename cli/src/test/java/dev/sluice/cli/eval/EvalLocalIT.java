package dev.sluice.cli.eval;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.cli.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --local}: an eval on a stack of its own (broker, registry, simulator, services, as a
 * user without Sluice running would start it), then compare and policy reading what it kept from
 * the same data directory, the services no longer running.
 */
class EvalLocalIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldRunOnAStackOfItsOwnAndReadItsRunsBackFromTheDataDirectory(@TempDir Path dir) throws Exception {
        Path suite = dir.resolve("local-suite.yaml");
        Files.writeString(suite, """
                cases:
                  - {id: a, category: easy, input: "Say yes [sim:expect]yes[/sim:expect]", grader: {type: exact, expected: yes}}
                  - {id: b, category: easy, input: "Say no [sim:expect]no[/sim:expect]", grader: {type: exact, expected: "no"}}
                """);
        String data = dir.resolve("data").toString();

        CliRun eval = sluice(
                "eval",
                suite.toString(),
                "--models",
                "claude-opus-4-5",
                "--local",
                "--no-cache",
                "--json",
                "--data-dir",
                data);
        assertThat(eval.exit()).as(eval.err()).isZero();
        JsonNode report = JSON.readTree(eval.out()
                .lines()
                .filter(l -> l.startsWith("{\"format\""))
                .reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError(eval.out())));
        assertThat(report.path("tenant").asText()).isEqualTo("eval");
        assertThat(report.path("cases")).hasSize(2);
        assertThat(eval.err()).contains("compare runs with: sluice eval compare local-suite --local");

        CliRun compare = sluice("eval", "compare", "local-suite", "--local", "--data-dir", data);
        assertThat(compare.exit()).isEqualTo(1);
        assertThat(compare.err())
                .contains("suite local-suite has 1 run(s) of tenant eval on llm.eval-runs; compare needs two");

        CliRun policy = sluice(
                "eval",
                "policy",
                "local-suite",
                "--tenant",
                "eval",
                "--bar",
                "0",
                "--min-cases",
                "1",
                "--local",
                "--json",
                "--write",
                "--data-dir",
                data);
        assertThat(policy.exit()).as(policy.err()).isZero();
        assertThat(JSON.readTree(policy.out()).at("/policy/easy").asText()).isEqualTo("claude-opus-4-5");

        // The next --local run keeps the tenant as configured, so AUTO follows the policy: opus, which
        // the heuristic never picks for a short question.
        CliRun auto = sluice(
                "eval", suite.toString(), "--models", "auto", "--local", "--no-cache", "--json", "--data-dir", data);
        assertThat(auto.exit()).as(auto.err()).isZero();
        assertThat(auto.err()).contains("running as tenant eval as configured in this data directory");
        assertThat(JSON.readTree(auto.out()
                                .lines()
                                .filter(l -> l.startsWith("{\"format\""))
                                .reduce((a, b) -> b)
                                .orElseThrow())
                        .path("cases"))
                .extracting(c -> c.path("answeredBy").asText())
                .containsOnly("claude-opus-4-5");
    }

    private static CliRun sluice(String... args) {
        return CliRun.run(new dev.sluice.cli.Main(), args);
    }
}
