package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PromQlTest {

    @Test
    void shouldFindEverySelectorWithItsMatchersAndStepOverFunctionsNumbersAndRanges() {
        PromQl.Reads reads = PromQl.read("""
                histogram_quantile(0.95, sum by (le, provider) (rate(sluice_worker_provider_call_seconds_bucket\
                {outcome="ok", model=~"gpt-.*"}[5m]))) > 1e6
                  and on (provider) sluice_worker_in_flight offset 10m * 3600 / 1.5e-3
                  or vector(0)""");

        assertThat(reads.selectors())
                .containsExactly(
                        new PromQl.Selector(
                                "sluice_worker_provider_call_seconds_bucket",
                                List.of(
                                        new PromQl.Matcher("outcome", "=", "ok"),
                                        new PromQl.Matcher("model", "=~", "gpt-.*"))),
                        new PromQl.Selector("sluice_worker_in_flight", List.of()));
        assertThat(reads.groupingLabels()).containsExactly("le", "provider");
    }

    @Test
    void shouldReadAnAggregationWhoseGroupingFollowsItAndMatchersWithEscapesAndVariables() {
        PromQl.Reads reads = PromQl.read("sum(rate(x_total{tenant=~\"$tenant\",reason!=\"a\\\"b\"}[$__rate_interval]))"
                + " by (tenant) unless x_total offset 30m");

        assertThat(reads.selectors()).extracting(PromQl.Selector::metric).containsExactly("x_total", "x_total");
        assertThat(reads.selectors().getFirst().matchers())
                .containsExactly(
                        new PromQl.Matcher("tenant", "=~", "$tenant"), new PromQl.Matcher("reason", "!=", "a\"b"));
        assertThat(reads.groupingLabels()).containsExactly("tenant");
    }

    @Test
    void shouldRefuseMatchersItCannotRead() {
        assertThatThrownBy(() -> PromQl.read("x{tenant=acme}")).hasMessageContaining("cannot read label matchers");
    }
}
