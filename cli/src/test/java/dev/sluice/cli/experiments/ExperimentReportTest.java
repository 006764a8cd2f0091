package dev.sluice.cli.experiments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.model.Feedback;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.ResultStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExperimentReportTest {
    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

    @Test
    void shouldGiveWilsonsIntervalAsPublished() {
        // Newcombe (1998), Statistics in Medicine 17, table I.
        ExperimentReport.Interval i = ExperimentReport.wilson(81, 263);
        assertThat(i.low()).isCloseTo(0.2553, within(0.0001));
        assertThat(i.high()).isCloseTo(0.3662, within(0.0001));
        ExperimentReport.Interval none = ExperimentReport.wilson(0, 10);
        assertThat(none.low()).isZero();
        assertThat(none.high()).isCloseTo(0.2775, within(0.0001));
    }

    @Test
    void shouldGiveNewcombesIntervalOfADifferenceAsPublished() {
        // Newcombe (1998), Statistics in Medicine 17, 873-890: 56/70 - 48/80, method 10.
        ExperimentReport.Interval d = ExperimentReport.newcombe(56, 70, 48, 80);
        assertThat(d.value()).isCloseTo(0.2, within(1e-9));
        assertThat(d.low()).isCloseTo(0.0524, within(0.0001));
        assertThat(d.high()).isCloseTo(0.3339, within(0.0001));
    }

    @Test
    void shouldGiveMeansAndWelchDifferencesWithStudentsIntervals() {
        ExperimentReport.Interval m = ExperimentReport.mean(new double[] {1, 2, 3, 4});
        // sd = 1.2910, se = 0.6455, 3 degrees of freedom: half = 3.182 * se = 2.0540
        assertThat(m.value()).isEqualTo(2.5);
        assertThat(m.low()).isCloseTo(0.4460, within(0.0001));
        assertThat(m.high()).isCloseTo(4.5540, within(0.0001));
        ExperimentReport.Interval d = ExperimentReport.welch(new double[] {10, 12, 14}, new double[] {1, 2, 3, 4});
        // var a = 4 (n 3), var b = 1.6667 (n 4): se = sqrt(4/3 + 1.6667/4) = 1.3229; Welch-Satterthwaite
        // df = 1.75^2 / ((4/3)^2/2 + (1.6667/4)^2/3) = 3.23, rounded down to 3
        assertThat(d.value()).isEqualTo(9.5);
        assertThat(d.low()).isCloseTo(9.5 - 3.182 * 1.322876, within(0.0001));
        assertThat(Double.isNaN(ExperimentReport.welch(new double[] {1}, new double[] {1, 2})
                        .low()))
                .isTrue();
        // Student's t: the table, then the expansion, meeting the normal quantile in the limit.
        assertThat(ExperimentReport.t975(1)).isEqualTo(12.706);
        assertThat(ExperimentReport.t975(30.9)).isEqualTo(2.042);
        assertThat(ExperimentReport.t975(40)).isCloseTo(2.021, within(0.001));
        assertThat(ExperimentReport.t975(120)).isCloseTo(1.980, within(0.001));
        assertThat(ExperimentReport.t975(Double.POSITIVE_INFINITY)).isCloseTo(1.96, within(0.0001));
    }

    @Test
    void shouldNotCallAFewAgreeingScoresAClearDifference() {
        // Two thumbs up against two thumbs down: a normal interval would be zero wide, and "clear".
        ExperimentReport.Interval d = ExperimentReport.newcombe(1.0, 2, 0.0, 2);
        assertThat(d.value()).isEqualTo(1.0);
        assertThat(d.low()).isLessThan(0.5);
        // Twenty against twenty is clear.
        assertThat(ExperimentReport.newcombe(1.0, 20, 0.0, 20).low()).isGreaterThan(0.6);
        // A verdict takes ten jobs a side, and feedback counts from ten scores a side.
        ExperimentReport.Interval clear = new ExperimentReport.Interval(-0.5, -0.7, -0.3);
        ExperimentReport.Interval zero = new ExperimentReport.Interval(0, -1, 1);
        assertThat(ExperimentReport.verdict(variant("v", 9, 1, 0), variant("c", 100, 1, 0), clear, clear, zero))
                .isEqualTo("Too few jobs yet (9 and 100; a verdict takes 10 of each): keep collecting.");
        assertThat(ExperimentReport.verdict(variant("v", 50, 1, 2), variant("c", 50, 1, 2), zero, clear, zero))
                .isEqualTo("No clear difference yet between v and c (50 and 50 jobs): keep collecting.");
        assertThat(ExperimentReport.verdict(variant("v", 50, 1, 10), variant("c", 50, 1, 10), zero, clear, zero))
                .isEqualTo("v is worse than c on feedback: keep c.");
        assertThat(ExperimentReport.scores(new double[] {0.5, 1.0}).value()).isEqualTo(0.75);
    }

    @Test
    void shouldCountEachVariantsJobsSuccessFeedbackLatencyAndCost() {
        List<LlmResult> results = new ArrayList<>();
        List<Feedback> feedback = new ArrayList<>();
        // control: 10 jobs, 8 succeeded, cost 100 each, latency 100..1000 ms; feedback 0.5 on each success,
        // given twice on job c-0 (the later, 1.0, counts).
        for (int i = 0; i < 10; i++) {
            results.add(result("c-" + i, "control", i < 8, 100, 100L * (i + 1)));
            if (i < 8) {
                feedback.add(new Feedback("f" + i, "c-" + i, "acme", 0.5, null, T0.plusSeconds(10)));
            }
        }
        feedback.add(new Feedback("late", "c-0", "acme", 1.0, null, T0.plusSeconds(20)));
        // A duplicate is its original's outcome: not a job of its own.
        results.add(LlmResult.forRequest(request("dup", "control"))
                .status(ResultStatus.SUCCEEDED)
                .duplicateOf("c-0")
                .costMicros(0)
                .completedAt(T0)
                .build());
        // Another experiment's job, and another tenant's feedback on a control job's id: neither counts.
        results.add(LlmResult.forRequest(new LlmRequest(
                        "x",
                        "acme",
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        List.of(),
                        10,
                        null,
                        null,
                        null,
                        Map.of("sluice.experiment.other", "a"),
                        T0))
                .status(ResultStatus.SUCCEEDED)
                .completedAt(T0)
                .build());
        feedback.add(new Feedback("g", "c-1", "globex", 0.0, null, T0.plusSeconds(30)));
        for (int i = 0; i < 12; i++) {
            results.add(result("s-" + i, "small", true, 10, 50));
        }

        ExperimentReport report = ExperimentReport.of("models", results, feedback, null);

        assertThat(report.control()).isEqualTo("control");
        assertThat(report.variants()).extracting(ExperimentReport.Variant::name).containsExactly("control", "small");
        ExperimentReport.Variant c = report.variants().getFirst();
        assertThat(c.jobs()).isEqualTo(10);
        assertThat(c.succeeded()).isEqualTo(8);
        assertThat(c.successRate().value()).isEqualTo(0.8);
        assertThat(c.withFeedback()).isEqualTo(8);
        assertThat(c.feedback().value()).isEqualTo((0.5 * 7 + 1.0) / 8);
        assertThat(c.p50Ms()).isEqualTo(400);
        assertThat(c.p95Ms()).isEqualTo(800);
        assertThat(c.costPerJobMicros().value()).isEqualTo(100);
        assertThat(c.costPerSuccessMicros()).isEqualTo(125);
        ExperimentReport.Comparison s = report.comparisons().getFirst();
        assertThat(s.variant()).isEqualTo("small");
        assertThat(s.successRate().value()).isCloseTo(0.2, within(1e-9));
        assertThat(s.costPerJobMicros().value()).isEqualTo(-90);
        assertThat(s.feedback()).as("small has no feedback").isNull();
        // Every cost equal within a variant: no spread, so the interval is the point, and clearly cheaper.
        assertThat(s.verdict())
                .isEqualTo("small is cheaper (-90 % per job) with no clear difference in quality"
                        + " (12 and 10 jobs): switch to small unless a smaller loss matters to you.");
        assertThat(report.text()).contains("control", "80.0% [", "$0.000125");
        assertThat(report.json().at("/variants/0/successRate/low").asDouble()).isCloseTo(0.4902, within(0.0001));
    }

    @Test
    void shouldSayPlainlyWhichWayTheEvidencePoints() {
        ExperimentReport.Variant v = variant("v", 100, 50);
        ExperimentReport.Variant c = variant("c", 100, 50);
        ExperimentReport.Interval zero = new ExperimentReport.Interval(0, -1, 1);
        ExperimentReport.Interval up = new ExperimentReport.Interval(0.1, 0.05, 0.15);
        ExperimentReport.Interval down = new ExperimentReport.Interval(-0.1, -0.15, -0.05);
        ExperimentReport.Interval cheaper = new ExperimentReport.Interval(-10, -15, -5);
        ExperimentReport.Interval dearer = new ExperimentReport.Interval(10, 5, 15);

        assertThat(ExperimentReport.verdict(v, c, down, up, cheaper))
                .isEqualTo("v is worse than c on success rate: keep c.");
        assertThat(ExperimentReport.verdict(v, c, zero, down, cheaper))
                .isEqualTo("v is worse than c on feedback: keep c.");
        assertThat(ExperimentReport.verdict(v, c, up, up, cheaper))
                .isEqualTo("v is better on success rate and feedback and cheaper (-20 % per job): switch to v.");
        assertThat(ExperimentReport.verdict(v, c, up, null, dearer))
                .isEqualTo("v is better on success rate but dearer (+20 % per job): weigh the gain against the cost.");
        assertThat(ExperimentReport.verdict(v, c, zero, up, zero))
                .isEqualTo("v is better on feedback at no clear difference in cost: switch to v.");
        assertThat(ExperimentReport.verdict(v, c, zero, zero, dearer))
                .isEqualTo("v is dearer (+20 % per job) with no clear gain in quality: keep c.");
        assertThat(ExperimentReport.verdict(v, c, zero, null, zero))
                .isEqualTo("No clear difference yet between v and c (100 and 100 jobs): keep collecting.");
    }

    private static ExperimentReport.Variant variant(String name, int jobs, long costPerJob) {
        return variant(name, jobs, costPerJob, jobs);
    }

    private static ExperimentReport.Variant variant(String name, int jobs, long costPerJob, int withFeedback) {
        return new ExperimentReport.Variant(
                name,
                jobs,
                jobs,
                ExperimentReport.wilson(jobs, jobs),
                withFeedback,
                null,
                0,
                0,
                new ExperimentReport.Interval(costPerJob, costPerJob, costPerJob),
                costPerJob);
    }

    private static LlmRequest request(String id, String variant) {
        return new LlmRequest(
                id,
                "acme",
                null,
                "u-" + id,
                null,
                null,
                null,
                null,
                List.of(),
                10,
                null,
                null,
                null,
                Map.of("sluice.experiment.models", variant),
                T0);
    }

    private static LlmResult result(String id, String variant, boolean ok, long cost, long latencyMs) {
        return LlmResult.forRequest(request(id, variant))
                .status(ok ? ResultStatus.SUCCEEDED : ResultStatus.FAILED)
                .costMicros(cost)
                .completedAt(T0.plusMillis(latencyMs))
                .build();
    }
}
