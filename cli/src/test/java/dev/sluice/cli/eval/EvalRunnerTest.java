package dev.sluice.cli.eval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.CacheHit;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.ResultError;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.Tier;
import dev.sluice.model.Usage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The runner against a stand-in for Sluice that answers at once, as a function of the request. */
class EvalRunnerTest {
    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");
    private final Map<String, LlmRequest> sent = new ConcurrentHashMap<>();

    private Pipeline answering(Function<LlmRequest, LlmResult> answer) {
        return new Pipeline() {
            @Override
            public CompletableFuture<LlmResult> submit(LlmRequest request) {
                sent.put(request.requestId(), request);
                LlmResult r = answer.apply(request);
                return r == null ? new CompletableFuture<>() : CompletableFuture.completedFuture(r);
            }

            @Override
            public void close() {}
        };
    }

    private static LlmResult ok(LlmRequest r, String output, long cost) {
        return LlmResult.forRequest(r)
                .status(ResultStatus.SUCCEEDED)
                .output(output)
                .model(r.model())
                .usage(new Usage(10, 2, 0, 0))
                .costMicros(cost)
                .completedAt(r.createdAt().plusMillis(120))
                .build();
    }

    private static EvalSuite suite(String yaml) throws Exception {
        return EvalSuite.fromYaml(yaml, "s", "s.yaml");
    }

    private List<CaseResult> run(
            EvalSuite suite, Pipeline pipeline, List<String> models, boolean skipCache, Duration timeout)
            throws Exception {
        EvalRunner runner = new EvalRunner(pipeline, Clock.fixed(T0, ZoneOffset.UTC));
        return runner.run(suite, new EvalRunner.Options("r1", "acme", models, skipCache, 4, timeout), done -> {});
    }

    @Test
    void shouldAskEachModelEachCaseAndGradeItsAnswer() throws Exception {
        EvalSuite suite = suite("""
                cases:
                  - {id: a, category: c1, input: "2+2?", grader: {type: numeric, expected: 4}}
                  - {id: b, category: c2, input: "Capital?", grader: {type: exact, expected: Paris}}
                """);
        List<CaseResult> results = run(
                suite,
                answering(r -> ok(r, r.model().equals("small") ? "4" : "Paris", 50)),
                List.of("small", "large"),
                false,
                Duration.ofSeconds(5));

        assertThat(results)
                .extracting(CaseResult::model, CaseResult::caseId, CaseResult::pass)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("small", "a", true),
                        org.assertj.core.groups.Tuple.tuple("small", "b", false),
                        org.assertj.core.groups.Tuple.tuple("large", "a", false),
                        org.assertj.core.groups.Tuple.tuple("large", "b", true));
        CaseResult first = results.getFirst();
        assertThat(first.latencyMs()).isEqualTo(120);
        assertThat(first.costMicros()).isEqualTo(50);
        assertThat(first.inputTokens()).isEqualTo(10);
        assertThat(first.answeredBy()).isEqualTo("small");
        LlmRequest asked = sent.get("eval-r1-0-a");
        assertThat(asked.tenantId()).isEqualTo("acme");
        assertThat(asked.model()).isEqualTo("small");
        assertThat(asked.temperature()).isZero();
        assertThat(asked.metadata())
                .containsEntry("sluice.eval.run", "r1")
                .containsEntry("sluice.eval.case", "a")
                .doesNotContainKey("sluice.cache");
    }

    @Test
    void shouldMeasureLatencyFromWhenARequestWentNotFromWhenItQueuedForASlot() throws Exception {
        java.util.concurrent.atomic.AtomicReference<Instant> now =
                new java.util.concurrent.atomic.AtomicReference<>(T0);
        Clock moving = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
        // Each answer completes 100 ms after its submission, by the clock, which then moves on a second;
        // it arrives 50 ms later in real time, so the other cases queue for the one slot meanwhile.
        Pipeline slow = new Pipeline() {
            @Override
            public CompletableFuture<LlmResult> submit(LlmRequest r) {
                LlmResult result = LlmResult.forRequest(r)
                        .status(ResultStatus.SUCCEEDED)
                        .output("x")
                        .completedAt(now.get().plusMillis(100))
                        .build();
                now.updateAndGet(t -> t.plusSeconds(1));
                return CompletableFuture.supplyAsync(
                        () -> result,
                        CompletableFuture.delayedExecutor(50, java.util.concurrent.TimeUnit.MILLISECONDS));
            }

            @Override
            public void close() {}
        };
        EvalSuite suite = suite("cases: ["
                + String.join(
                        ", ",
                        java.util.stream.IntStream.range(0, 6)
                                .mapToObj(i -> "{id: c" + i + ", input: x, grader: {type: contains, expected: x}}")
                                .toList())
                + "]");

        List<CaseResult> results = new EvalRunner(slow, moving)
                .run(
                        suite,
                        new EvalRunner.Options("r1", "acme", List.of("m"), false, 1, Duration.ofSeconds(5)),
                        done -> {});

        assertThat(results).extracting(CaseResult::latencyMs).containsOnly(100L);
    }

    @Test
    void shouldAskForAutoRoutingAndSkipTheCacheWhenTold() throws Exception {
        EvalSuite suite = suite("cases: [{id: a, input: x, grader: {type: contains, expected: x}}]");
        run(suite, answering(r -> ok(r, "x", 1)), List.of("auto"), true, Duration.ofSeconds(5));

        LlmRequest asked = sent.get("eval-r1-0-a");
        assertThat(asked.model()).isNull();
        assertThat(asked.tier()).isEqualTo(Tier.AUTO);
        assertThat(asked.metadata()).containsEntry("sluice.cache", "skip");
    }

    @Test
    void shouldFailAJobThatDidNotSucceedOrCameTooLateAndNoteACachedAnswer() throws Exception {
        EvalSuite suite = suite("""
                cases:
                  - {id: rejected, input: x, grader: {type: contains, expected: x}}
                  - {id: late, input: x, grader: {type: contains, expected: x}}
                  - {id: cached, input: x, grader: {type: contains, expected: x}}
                """);
        List<CaseResult> results = run(
                suite,
                answering(r -> switch (r.metadata().get("sluice.eval.case")) {
                    case "rejected" ->
                        LlmResult.forRequest(r)
                                .status(ResultStatus.REJECTED)
                                .error(new ResultError("BUDGET_EXCEEDED", "over the daily budget", false))
                                .completedAt(r.createdAt())
                                .build();
                    case "late" -> null;
                    default ->
                        LlmResult.forRequest(r)
                                .status(ResultStatus.SUCCEEDED)
                                .output("x")
                                .cacheHit(CacheHit.EXACT)
                                .completedAt(r.createdAt())
                                .build();
                }),
                List.of("m"),
                false,
                Duration.ofMillis(500));

        assertThat(results.get(0))
                .extracting(CaseResult::pass, CaseResult::status, CaseResult::detail)
                .containsExactly(false, "REJECTED", "BUDGET_EXCEEDED: over the daily budget");
        assertThat(results.get(1))
                .extracting(CaseResult::pass, CaseResult::status)
                .containsExactly(false, CaseResult.NO_RESULT);
        assertThat(results.get(2))
                .extracting(CaseResult::pass, CaseResult::cached)
                .containsExactly(true, true);
    }

    @Test
    void shouldSendTheAnswerToTheJudgeThroughThePipelineAndCountItsCostApart() throws Exception {
        EvalSuite suite = suite("""
                cases:
                  - {id: good, input: "Greet me [sim:expect]hello[/sim:expect]",
                     grader: {type: judge, model: judge-model, criteria: Greets}}
                  - {id: bad, input: "Greet me again", grader: {type: judge, model: judge-model, criteria: Greets}}
                  - {id: odd, input: "Anything", grader: {type: judge, model: judge-model, criteria: Greets}}
                """);
        List<CaseResult> results = run(
                suite,
                answering(r -> {
                    if (!"judge".equals(r.metadata().get("sluice.eval.role"))) {
                        return ok(
                                r, r.metadata().get("sluice.eval.case").equals("bad") ? "go away" : "hello there", 100);
                    }
                    String asked = r.messages().getLast().content();
                    String verdict = asked.contains("Anything")
                            ? "no idea"
                            : asked.contains("<answer>\nhello there\n</answer>")
                                    ? "{\"pass\":true,\"reason\":\"greets\"}"
                                    : "{\"pass\":false,\"reason\":\"rude\"}";
                    return LlmResult.forRequest(r)
                            .status(ResultStatus.SUCCEEDED)
                            .output(verdict)
                            .costMicros(7)
                            .completedAt(r.createdAt())
                            .build();
                }),
                List.of("m"),
                false,
                Duration.ofSeconds(5));

        LlmRequest judged = sent.get("eval-r1-0-good-judge");
        assertThat(judged.model()).isEqualTo("judge-model");
        assertThat(judged.messages().getLast().content())
                .contains("<question>\nGreet me [sim:expect]hello[/sim:expect]\n" + "</question>")
                .contains("<criteria>\nGreets\n</criteria>");
        assertThat(results)
                .extracting(CaseResult::caseId, CaseResult::pass, CaseResult::detail)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("good", true, "greets"),
                        org.assertj.core.groups.Tuple.tuple("bad", false, "rude"),
                        org.assertj.core.groups.Tuple.tuple(
                                "odd", false, "judge error: the reply is no verdict: 'no idea'"));
        assertThat(results).extracting(CaseResult::costMicros).containsOnly(100L);
        assertThat(results).extracting(CaseResult::judgeCostMicros).containsOnly(7L);
        assertThat(results).extracting(CaseResult::judgeError).containsExactly(false, false, true);
    }
}
