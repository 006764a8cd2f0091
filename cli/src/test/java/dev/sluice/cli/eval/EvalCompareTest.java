package dev.sluice.cli.eval;

import static dev.sluice.cli.eval.EvalReportTest.outcome;
import static dev.sluice.cli.eval.EvalReportTest.report;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class EvalCompareTest {

    @Test
    void shouldShowTheChangeAndTheCasesThatRegressedOrWereFixed() {
        EvalReport before = report(
                "r1",
                List.of(
                        outcome("m", "a", "x", true, 100, 10),
                        outcome("m", "b", "x", false, 100, 10),
                        outcome("m", "c", "y", true, 100, 10)));
        EvalReport after = report(
                "r2",
                List.of(
                        outcome("m", "a", "x", false, 300, 14),
                        outcome("m", "b", "x", true, 100, 14),
                        outcome("m", "c", "y", true, 100, 14),
                        outcome("n", "a", "x", true, 100, 1)));

        EvalCompare compare = new EvalCompare(before, after);

        assertThat(compare.regressed()).containsExactly(new EvalCompare.Change("m", "a", "wrong"));
        assertThat(compare.fixed()).containsExactly(new EvalCompare.Change("m", "b", "ok"));
        JsonNode json = compare.json();
        assertThat(json.at("/models/m/all/passRateChange").asDouble()).isEqualTo(0.0);
        assertThat(json.at("/models/m/all/p95MsChange").asLong()).isEqualTo(200);
        assertThat(json.at("/models/m/all/costPerRequestMicrosChange").asLong()).isEqualTo(4);
        assertThat(json.at("/models/m/y/before/passRate").asDouble()).isEqualTo(1.0);
        assertThat(json.at("/models/n/all/before").isNull()).isTrue();
        assertThat(json.at("/models/n/all/after/passRate").asDouble()).isEqualTo(1.0);
        assertThat(compare.text())
                .contains("Regressed (1):")
                .contains("Fixed (1):")
                .contains("r1")
                .contains("r2");
    }
}
