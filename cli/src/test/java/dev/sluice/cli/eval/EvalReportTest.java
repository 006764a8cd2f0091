package dev.sluice.cli.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EvalReportTest {
    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

    static CaseResult outcome(String model, String id, String category, boolean pass, long latencyMs, long cost) {
        return new CaseResult(
                id,
                category,
                model,
                model,
                "SUCCEEDED",
                pass,
                pass ? "ok" : "wrong",
                latencyMs,
                100,
                20,
                cost,
                0,
                false,
                false);
    }

    static EvalReport report(String runId, List<CaseResult> cases) {
        return new EvalReport(
                runId,
                "triage",
                "acme",
                cases.stream().map(CaseResult::model).distinct().toList(),
                false,
                T0,
                T0.plusSeconds(30),
                cases);
    }

    @Test
    void shouldWorkOutPassRateLatencyAndCostsPerModelAndCategory() {
        List<CaseResult> cases = new ArrayList<>();
        // small: 10 cases at 10..100 ms costing 100 each, 7 passed (all of category a, 1 of 4 of b).
        for (int i = 1; i <= 10; i++) {
            cases.add(outcome("small", "c" + i, i <= 6 ? "a" : "b", i <= 7, 10L * i, 100));
        }
        cases.add(new CaseResult(
                "late", "b", "small", null, CaseResult.NO_RESULT, false, "no result", 0, 0, 0, 0, 0, false, false));
        cases.add(outcome("large", "c1", "a", true, 500, 1_000));
        cases.add(outcome("large", "c2", "a", false, 700, 3_001));

        EvalReport report = report("r1", cases);
        EvalReport.Stats small = report.stats().get("small").get(EvalReport.ALL);

        assertThat(small.cases()).isEqualTo(11);
        assertThat(small.passed()).isEqualTo(7);
        assertThat(small.passRate()).isEqualTo(7 / 11.0);
        assertThat(small.noResult()).isEqualTo(1);
        // Latency over the 10 that came back: nearest rank.
        assertThat(small.p50Ms()).isEqualTo(50);
        assertThat(small.p95Ms()).isEqualTo(100);
        assertThat(small.costMicros()).isEqualTo(1_000);
        assertThat(small.costPerRequestMicros()).isEqualTo(91);
        assertThat(small.costPerPassedMicros()).isEqualTo(143);
        assertThat(report.stats().get("small").keySet()).containsExactly("all", "a", "b");
        assertThat(report.stats().get("small").get("b").passRate()).isEqualTo(1 / 5.0);
        EvalReport.Stats large = report.stats().get("large").get(EvalReport.ALL);
        assertThat(large.costPerRequestMicros()).isEqualTo(2_001);
        assertThat(large.costPerPassedMicros()).isEqualTo(4_001);

        assertThat(report.below(0.6)).containsExactly("large");
        assertThat(report.below(0.5)).isEmpty();
        assertThat(report.below(0.7)).containsExactly("small", "large");
    }

    @Test
    void shouldSayNoCostPerPassedCaseWhenNonePassed() {
        EvalReport report = report("r1", List.of(outcome("m", "a", "x", false, 10, 5)));
        assertThat(report.stats().get("m").get(EvalReport.ALL).costPerPassedMicros())
                .isEqualTo(-1);
        assertThat(report.text()).contains("-\n");
    }

    @Test
    void shouldReadBackWhatItKeeps() {
        EvalReport report =
                report("r1", List.of(outcome("m", "a", "x", true, 10, 5), outcome("m", "b", "y", false, 20, 6)));

        EvalReport back = EvalReport.fromJson(report.json());

        assertThat(back).isEqualTo(report);
        assertThat(report.json().at("/summary/m/all/passRate").asDouble()).isEqualTo(0.5);
        assertThat(report.json().at("/summary/m/y/costPerPassedMicros").asLong())
                .isEqualTo(-1);
    }

    @Test
    void shouldWriteMicroDollarsExactly() {
        assertThat(EvalReport.dollars(1_234_567)).isEqualTo("$1.234567");
        assertThat(EvalReport.dollars(42)).isEqualTo("$0.000042");
    }
}
