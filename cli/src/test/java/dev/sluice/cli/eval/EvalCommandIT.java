package dev.sluice.cli.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.cli.CliRun;
import dev.sluice.cli.InProcessPipeline;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.TenantConfig;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.testkit.SluiceKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice eval} and {@code sluice eval compare} against the pipeline on a real broker, with
 * the provider simulator's answer keys: every grader through the real path, the judge as one more
 * job, the cache and its bypass, the --min-pass exit status, and runs kept and compared.
 */
@SluiceKafka
class EvalCommandIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SUITE = """
            name: it-suite
            cases:
              - {id: capital, category: facts, input: "Capital of France? [sim:expect d=3]Paris[/sim:expect]",
                 grader: {type: exact, expected: Paris}}
              - {id: capital-judged, category: facts, input: "Capital of France? [sim:expect d=3]Paris[/sim:expect]",
                 grader: {type: judge, model: claude-opus-4-5, criteria: Names the capital}}
              - {id: sum, category: math, input: "17 + 25? [sim:expect d=5]42[/sim:expect]",
                 grader: {type: numeric, expected: 42}}
              - {id: sum-near, category: math, input: "17 + 25? [sim:expect d=5]42[/sim:expect]",
                 grader: {type: numeric, expected: 42, tolerance: 1}}
              - {id: word, category: facts, input: "Say hello [sim:expect]hello world[/sim:expect]",
                 grader: {type: contains, expected: [hello, world]}}
              - {id: code, category: facts, input: "A status code [sim:expect]404[/sim:expect]",
                 grader: {type: regex, pattern: '^\\d{3}$'}}
              - {id: ticket, category: extraction, responseFormat: json,
                 input: 'Team? [sim:expect d=2]{"team":"billing"}[/sim:expect]',
                 grader: {type: json-schema, schema: {type: object, required: [team],
                   properties: {team: {const: billing}}}}}
              - {id: no-key, category: facts, input: "Capital of Peru?", grader: {type: exact, expected: Lima}}
            """;

    @Test
    void shouldGradeEveryCaseThroughThePipelineKeepTheRunsAndGateOnThePassRate(KafkaStack kafka, @TempDir Path dir)
            throws Exception {
        Path suite = dir.resolve("it-suite.yaml");
        Files.writeString(suite, SUITE);
        try (InProcessPipeline pipeline = InProcessPipeline.start(kafka, dir)) {
            String prefix = pipeline.prefix;
            pipeline.put(TenantConfig.basic("acme", TenantConfig.Webhooks.NONE, Instant.now()));

            CliRun first = eval(
                    kafka,
                    prefix,
                    suite.toString(),
                    "--models",
                    "gpt-4.1-nano,claude-opus-4-5",
                    "--tenant",
                    "acme",
                    "--min-pass",
                    "0",
                    "--json");
            assertThat(first.exit()).as(first.err()).isZero();
            JsonNode run1 = lastJson(first);
            List<CaseResult> cases = EvalReport.fromJson(run1).cases();
            assertThat(cases).hasSize(16);
            assertThat(cases)
                    .allSatisfy(c -> assertThat(c.status()).as(c.caseId()).isEqualTo("SUCCEEDED"));
            for (String model : List.of("gpt-4.1-nano", "claude-opus-4-5")) {
                Map<String, CaseResult> byId = new HashMap<>();
                cases.stream().filter(c -> c.model().equals(model)).forEach(c -> byId.put(c.caseId(), c));
                // The same question gets the same answer: the judge agrees with the exact grader,
                // and a near miss (42 + 1) passes only with a tolerance of 1.
                assertThat(byId.get("capital-judged").pass())
                        .as(model)
                        .isEqualTo(byId.get("capital").pass());
                assertThat(byId.get("capital-judged").judgeCostMicros()).isPositive();
                assertThat(byId.get("sum-near").pass()).as(model).isTrue();
                assertThat(byId.get("no-key").pass()).as(model).isFalse();
                assertThat(byId.get("word").costMicros()).isPositive();
                assertThat(byId.get("word").answeredBy()).isEqualTo(model);
            }
            // On this suite the key draws fall so that opus knows every answer; nano misses some.
            assertThat(run1.at("/summary/claude-opus-4-5/all/passed").asInt()).isEqualTo(7);
            assertThat(run1.at("/summary/gpt-4.1-nano/all/passRate").asDouble())
                    .isLessThan(run1.at("/summary/claude-opus-4-5/all/passRate").asDouble());

            // Again: temperature 0, so the tenant's cache answers at no cost, with the same verdicts.
            CliRun second = eval(
                    kafka,
                    prefix,
                    suite.toString(),
                    "--models",
                    "gpt-4.1-nano,claude-opus-4-5",
                    "--tenant",
                    "acme",
                    "--min-pass",
                    "0.99",
                    "--json");
            assertThat(second.exit()).as("opus passes 7 of 8 < 0.99").isEqualTo(1);
            assertThat(second.err()).contains("below --min-pass 0.99: gpt-4.1-nano", "claude-opus-4-5 87.5%");
            List<CaseResult> again = EvalReport.fromJson(lastJson(second)).cases();
            assertThat(again)
                    .allSatisfy(c -> assertThat(c.cached()).as(c.caseId()).isTrue());
            assertThat(again)
                    .extracting(CaseResult::pass)
                    .containsExactlyElementsOf(
                            cases.stream().map(CaseResult::pass).toList());
            assertThat(again).extracting(CaseResult::costMicros).containsOnly(0L);

            // --no-cache: the providers are asked again, and answer the same.
            CliRun third = eval(
                    kafka,
                    prefix,
                    suite.toString(),
                    "--models",
                    "gpt-4.1-nano",
                    "--tenant",
                    "acme",
                    "--no-cache",
                    "--min-pass",
                    "0.5");
            assertThat(third.exit()).as(third.err()).isZero();
            assertThat(third.out()).contains("gpt-4.1-nano", "facts", "math", "extraction", "$/passed", "Failed (");

            CliRun compare = CliRun.of(kafka, prefix, new EvalCommand(), "compare", "it-suite", "--json");
            assertThat(compare.exit()).as(compare.err()).isZero();
            JsonNode diff = JSON.readTree(compare.out());
            assertThat(diff.at("/before/runId").asText())
                    .isEqualTo(lastJson(second).path("runId").asText());
            assertThat(diff.path("regressed")).isEmpty();
            assertThat(diff.at("/models/gpt-4.1-nano/all/passRateChange").asDouble())
                    .isZero();
            assertThat(diff.at("/models/claude-opus-4-5/all/after").isNull()).isTrue();
            CliRun named = CliRun.of(
                    kafka,
                    prefix,
                    new EvalCommand(),
                    "compare",
                    "it-suite",
                    "--run",
                    run1.path("runId").asText());
            assertThat(named.exit()).isZero();
            assertThat(named.out())
                    .contains("run " + run1.path("runId").asText())
                    .contains("Regressed (0)");
            assertThat(CliRun.of(kafka, prefix, new EvalCommand(), "compare", "no-such-suite")
                            .exit())
                    .isEqualTo(1);
            // Another tenant has no runs of its own to compare, or to make a policy from.
            CliRun otherCompare =
                    CliRun.of(kafka, prefix, new EvalCommand(), "compare", "it-suite", "--tenant", "globex");
            assertThat(otherCompare.exit()).isEqualTo(1);
            assertThat(otherCompare.err()).contains("has 0 run(s) of tenant globex");
            CliRun otherPolicy = CliRun.of(
                    kafka, prefix, new EvalCommand(), "policy", "it-suite", "--tenant", "globex", "--bar", "0.5");
            assertThat(otherPolicy.exit()).isEqualTo(1);
            assertThat(otherPolicy.err()).contains("no run of tenant globex of suite it-suite", "(tenant acme)");

            // A record on llm.results that is no result is passed over: the results after it still come.
            try (KafkaPipeline reader = new KafkaPipeline(kafka.bootstrapServers(), pipeline.topics, pipeline.serdes)) {
                pipeline.send(pipeline.topics.results(), "acme", new byte[] {0, 0, 0, 0, 9, 9});
                LlmResult after = reader.submit(LlmRequest.of("after-garbage", "acme", "hello", Instant.now()))
                        .get(60, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(after.status()).isEqualTo(dev.sluice.model.ResultStatus.SUCCEEDED);
            }

            // A policy from a run answered partly from the cache would price cached answers at 0: refused.
            CliRun fromCache = CliRun.of(
                    kafka,
                    prefix,
                    new EvalCommand(),
                    "policy",
                    "it-suite",
                    "--tenant",
                    "acme",
                    "--bar",
                    "0.5",
                    "--run",
                    run1.path("runId").asText());
            assertThat(fromCache.exit()).isEqualTo(1);
            assertThat(fromCache.err()).contains("from Sluice's cache", "--no-cache");

            // The loop: measure the models and AUTO, write the policy, and AUTO follows it.
            CliRun measured = eval(
                    kafka,
                    prefix,
                    suite.toString(),
                    "--models",
                    "gpt-4.1-nano,claude-opus-4-5,auto",
                    "--tenant",
                    "acme",
                    "--no-cache",
                    "--json");
            assertThat(measured.exit()).as(measured.err()).isZero();
            CliRun policy = CliRun.of(
                    kafka,
                    prefix,
                    new EvalCommand(),
                    "policy",
                    "it-suite",
                    "--tenant",
                    "acme",
                    "--bar",
                    "0.5",
                    "--min-cases",
                    "1",
                    "--write",
                    "--json");
            assertThat(policy.exit()).as(policy.err()).isZero();
            JsonNode chosen = JSON.readTree(policy.out()).path("policy");
            assertThat(chosen.size())
                    .as("a model for every category at a bar of 0.5")
                    .isEqualTo(3);
            JsonNode summary = lastJson(measured).path("summary");
            chosen.properties()
                    .forEach(e -> assertThat(summary.path(e.getValue().asText())
                                    .path(e.getKey())
                                    .path("passRate")
                                    .asDouble())
                            .as(e.getKey())
                            .isGreaterThanOrEqualTo(0.5));
            // On this suite nano passes under half of facts, so facts goes to opus: a model AUTO's heuristic
            // never picks for a short question. The runs below see it only if the router follows the policy.
            assertThat(chosen.path("facts").asText()).isEqualTo("claude-opus-4-5");
            await().alias("the router has the policy")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> {
                        CliRun auto = eval(
                                kafka,
                                prefix,
                                suite.toString(),
                                "--models",
                                "auto",
                                "--tenant",
                                "acme",
                                "--no-cache",
                                "--json");
                        return EvalReport.fromJson(lastJson(auto)).cases().stream()
                                .allMatch(c -> c.answeredBy()
                                        .equals(chosen.path(c.category()).asText()));
                    });
        }
    }

    @Test
    void shouldRefuseABadSuiteOrUnknownModelBeforeSendingAnything(KafkaStack kafka, @TempDir Path dir)
            throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "cases: [{id: a, grader: {type: exact}}]");
        CliRun invalid = eval(kafka, kafka.newPrefix(), bad.toString(), "--models", "gpt-4.1");
        assertThat(invalid.exit()).isEqualTo(2);
        assertThat(invalid.err())
                .contains("bad.yaml: 2 problems", "cases[0]: give the question", "cases[0].grader.expected: required");

        Path good = dir.resolve("good.yaml");
        Files.writeString(good, "cases: [{id: a, input: x, grader: {type: exact, expected: x}}]");
        CliRun unknown = eval(kafka, kafka.newPrefix(), good.toString(), "--models", "gpt-4.1,gpt-9");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown model(s) [gpt-9]; known: auto, claude-haiku-4-5");
        assertThat(eval(kafka, kafka.newPrefix(), good.toString()).err()).contains("give --models");
        Path judged = dir.resolve("judged.yaml");
        Files.writeString(judged, "cases: [{id: j, input: x, grader: {type: judge, model: gpt-7, criteria: c}}]");
        assertThat(eval(kafka, kafka.newPrefix(), judged.toString(), "--models", "gpt-4.1")
                        .err())
                .contains("judge model(s) not in the model catalogue, in case(s) j (gpt-7)");
        assertThat(eval(kafka, kafka.newPrefix(), good.toString(), "--models", "gpt-4.1", "--min-pass", "1.5")
                        .err())
                .contains("--min-pass must be from 0 to 1");
    }

    private static CliRun eval(KafkaStack kafka, String prefix, String... args) {
        return CliRun.of(kafka, prefix, new EvalCommand(), args);
    }

    /** The report: the last JSON object on stdout (in-process services may log JSON lines there too). */
    private static JsonNode lastJson(CliRun run) throws Exception {
        return JSON.readTree(run.out()
                .lines()
                .filter(l -> l.startsWith("{") && !l.contains("\"@timestamp\""))
                .reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no report on stdout: " + run.err())));
    }
}
