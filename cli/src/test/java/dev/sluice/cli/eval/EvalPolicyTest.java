package dev.sluice.cli.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvalPolicyTest {
    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

    /** {@code passed} of {@code cases} cases of a category on a model, each costing {@code cost}. */
    private static void add(List<CaseResult> out, String model, String category, int cases, int passed, long cost) {
        for (int i = 0; i < cases; i++) {
            out.add(new CaseResult(
                    category + "-" + i,
                    category,
                    model,
                    model,
                    "SUCCEEDED",
                    i < passed,
                    "",
                    100,
                    10,
                    1,
                    cost,
                    0,
                    false,
                    false));
        }
    }

    private static EvalReport run(List<CaseResult> cases) {
        return new EvalReport("r1", "s", "acme", List.of("nano", "mini", "large", "auto"), true, T0, T0, cases);
    }

    @Test
    void shouldChooseTheCheapestModelAtTheBarPerCategoryAmongTheTenantsModels() {
        List<CaseResult> cases = new ArrayList<>();
        // easy: all three pass; nano is cheapest.
        add(cases, "nano", "easy", 10, 10, 1);
        add(cases, "mini", "easy", 10, 10, 4);
        add(cases, "large", "easy", 10, 10, 20);
        add(cases, "auto", "easy", 10, 10, 20);
        // hard: nano 6/10, mini 9/10, large 10/10; at a bar of 0.9 mini is the cheapest that qualifies.
        add(cases, "nano", "hard", 10, 6, 1);
        add(cases, "mini", "hard", 10, 9, 4);
        add(cases, "large", "hard", 10, 10, 20);
        add(cases, "auto", "hard", 10, 10, 20);
        // rare: too few cases to trust.
        add(cases, "nano", "rare", 2, 2, 1);
        add(cases, "mini", "rare", 2, 2, 4);
        add(cases, "large", "rare", 2, 2, 20);
        // tie: equal cost, the better pass rate wins.
        add(cases, "nano", "tie", 10, 9, 3);
        add(cases, "mini", "tie", 10, 10, 3);
        add(cases, "large", "tie", 10, 8, 20);

        EvalPolicy policy = EvalPolicy.of(run(cases), 0.9, 5, List.of());

        assertThat(policy.policy().models())
                .containsExactlyInAnyOrderEntriesOf(Map.of("easy", "nano", "hard", "mini", "tie", "mini"));
        assertThat(policy.policy().bar()).isEqualTo(0.9);
        assertThat(policy.policy().source()).isEqualTo("eval s run r1");
        EvalPolicy.Row hard = policy.rows().stream()
                .filter(r -> r.category().equals("hard"))
                .findFirst()
                .orElseThrow();
        assertThat(hard.passRate()).isEqualTo(0.9);
        assertThat(hard.costPerRequestMicros()).isEqualTo(4);
        assertThat(hard.why()).isEqualTo("the cheapest of 2 at the bar");
        assertThat(hard.auto().costPerRequestMicros()).isEqualTo(20);
        EvalPolicy.Row rare = policy.rows().stream()
                .filter(r -> r.category().equals("rare"))
                .findFirst()
                .orElseThrow();
        assertThat(rare.model()).isNull();
        assertThat(rare.why()).startsWith("none met the bar: nano has 2 case(s), fewer than 5");
        assertThat(rare.auto()).isNull();
        assertThat(policy.text()).contains("hard", "mini", "90.0%", "(heuristic)", "not measured");
        assertThat(policy.json().at("/policy/easy").asText()).isEqualTo("nano");
    }

    @Test
    void shouldChooseOnlyAmongTheModelsTheTenantMayUse() {
        List<CaseResult> cases = new ArrayList<>();
        add(cases, "nano", "easy", 10, 10, 1);
        add(cases, "mini", "easy", 10, 10, 4);
        add(cases, "large", "easy", 10, 7, 20);

        assertThat(EvalPolicy.of(run(cases), 0.9, 5, List.of("mini", "large"))
                        .policy()
                        .models())
                .containsExactly(Map.entry("easy", "mini"));
        EvalPolicy none = EvalPolicy.of(run(cases), 0.9, 5, List.of("large"));
        assertThat(none.policy().models()).isEmpty();
        assertThat(none.rows().getFirst().why())
                .isEqualTo("none met the bar: large passed 70.0%; AUTO's heuristic" + " routes it");
    }
}
