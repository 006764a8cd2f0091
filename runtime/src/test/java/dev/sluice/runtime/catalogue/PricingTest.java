package dev.sluice.runtime.catalogue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sluice.model.CostBasis;
import dev.sluice.model.Tier;
import dev.sluice.model.Usage;
import dev.sluice.runtime.config.ConfigException;
import org.junit.jupiter.api.Test;

class PricingTest {
    private final ModelCatalogue catalogue = ModelCatalogue.loadDefault();

    @Test
    void shouldConvertListPricesToMicroDollarsPerMillionTokensExactly() {
        ModelSpec mini = catalogue.require("gpt-4o-mini");
        assertThat(mini.inputMicrosPerMTok()).isEqualTo(150_000);
        assertThat(mini.cachedInputMicrosPerMTok()).isEqualTo(75_000);
        assertThat(mini.outputMicrosPerMTok()).isEqualTo(600_000);
        ModelSpec sonnet = catalogue.require("claude-sonnet-4-5");
        assertThat(sonnet.cacheWrite5mMicrosPerMTok()).isEqualTo(3_750_000);
        assertThat(sonnet.batchOutputMicrosPerMTok()).isEqualTo(7_500_000);
    }

    @Test
    void shouldPriceEachTokenClassAtItsOwnRate() {
        // gpt-4.1-mini: $0.40 in, $0.10 cached, $1.60 out per million tokens.
        ModelSpec m = catalogue.require("gpt-4.1-mini");
        long cost = Pricing.costMicros(m, new Usage(1_000, 500, 2_000, 0), CostBasis.SYNC);
        // 1000*0.40 + 2000*0.10 + 500*1.60 = 400 + 200 + 800 micro-dollars
        assertThat(cost).isEqualTo(1_400);
    }

    @Test
    void shouldHalveThePriceInABatch() {
        ModelSpec m = catalogue.require("gpt-4.1");
        Usage usage = new Usage(10_000, 2_000, 0, 0);
        assertThat(Pricing.costMicros(m, usage, CostBasis.BATCH) * 2)
                .isEqualTo(Pricing.costMicros(m, usage, CostBasis.SYNC));
    }

    @Test
    void shouldStackTheBatchAndCacheDiscountsWhereTheProviderDoes() {
        // claude-sonnet-4-5 in a batch: input $1.50, cache read $0.15, 5-minute write $1.875, output $7.50.
        ModelSpec sonnet = catalogue.require("claude-sonnet-4-5");
        Usage usage = new Usage(1_000, 100, 3_000, 2_000); // input, output, cache read, cache write
        assertThat(Pricing.costMicros(sonnet, usage, CostBasis.BATCH)).isEqualTo(1_500 + 750 + 450 + 3_750);
        assertThat(Pricing.costMicros(sonnet, usage, CostBasis.SYNC)).isEqualTo(3_000 + 1_500 + 900 + 7_500);
        // gpt-5-mini in a batch: cached input $0.0125, half its sync $0.025.
        ModelSpec gpt5 = catalogue.require("gpt-5-mini");
        assertThat(Pricing.costMicros(gpt5, new Usage(0, 0, 80_000, 0), CostBasis.BATCH))
                .isEqualTo(1_000);
    }

    @Test
    void shouldGiveNoCacheDiscountInABatchWhereTheProviderPublishesNone() {
        // gpt-4.1: cached input $0.50 sync; in a batch OpenAI lists no cached price, so $1.00 like all input.
        ModelSpec m = catalogue.require("gpt-4.1");
        assertThat(m.batchCachedInputMicrosPerMTok()).isEqualTo(m.batchInputMicrosPerMTok());
        assertThat(Pricing.costMicros(m, new Usage(0, 0, 3_000, 0), CostBasis.BATCH))
                .isEqualTo(3_000);
        assertThat(Pricing.costMicros(m, new Usage(0, 0, 3_000, 0), CostBasis.SYNC))
                .isEqualTo(1_500);
    }

    @Test
    void shouldRoundOnceHalfUpNotPerTokenClass() {
        // gpt-5-nano input is $0.05/M = 0.05 micro-dollars a token: 9 tokens = 0.45 -> 0, 10 tokens = 0.5 -> 1.
        ModelSpec nano = catalogue.require("gpt-5-nano");
        assertThat(Pricing.costMicros(nano, new Usage(9, 0, 0, 0), CostBasis.SYNC))
                .isZero();
        assertThat(Pricing.costMicros(nano, new Usage(10, 0, 0, 0), CostBasis.SYNC))
                .isEqualTo(1);
        // 5 input (0.25) + 1 output (0.40) = 0.65 -> 1, where rounding each part would give 0.
        assertThat(Pricing.costMicros(nano, new Usage(5, 1, 0, 0), CostBasis.SYNC))
                .isEqualTo(1);
    }

    @Test
    void shouldEstimateWithTheWholeOutputAllowance() {
        ModelSpec m = catalogue.require("gpt-4.1-mini");
        assertThat(Pricing.estimateMicros(m, 100, 1_000)).isEqualTo(40 + 1_600);
    }

    @Test
    void shouldGiveEveryTierAChainOfKnownModels() {
        for (Tier tier : new Tier[] {Tier.SMALL, Tier.MEDIUM, Tier.LARGE}) {
            assertThat(catalogue.chain(tier))
                    .isNotEmpty()
                    .allSatisfy(m -> assertThat(catalogue.model(m)).isPresent());
        }
    }

    @Test
    void shouldReportEveryCatalogueProblemAtOnce() throws Exception {
        var yaml = new ObjectMapper(new YAMLFactory()).readTree("""
                models:
                  a:
                    input: "0.1"
                    output: "-1"
                  b:
                    provider: openai
                    input: "0.0000001"
                    output: "1"
                tiers:
                  small: [a, ghost]
                  medium: [b]
                """);
        assertThatThrownBy(() -> ModelCatalogue.parse(yaml, "test.yaml"))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .anyMatch(p -> p.contains("model a: provider is required"))
                                .anyMatch(p -> p.contains("model a: output price is negative"))
                                .anyMatch(p -> p.contains("model b: input price '0.0000001'"))
                                .anyMatch(p -> p.contains("tier small names unknown model ghost"))
                                .anyMatch(p -> p.contains("tier large has no models")));
    }
}
