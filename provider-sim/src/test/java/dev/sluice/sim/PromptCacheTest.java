package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PromptCacheTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "claude-sonnet-4-5, 1024",
        "claude-sonnet-4-6, 1024",
        "claude-sonnet-4-20250514, 1024",
        "claude-3-7-sonnet-20250219, 1024",
        "claude-opus-4-20250514, 1024",
        "claude-opus-4-1-20250805, 1024",
        "claude-opus-4-5-20251101, 4096",
        "claude-opus-4-6, 4096",
        "claude-haiku-4-5, 4096",
        "claude-3-5-haiku-20241022, 2048",
        "claude-3-haiku-20240307, 2048",
        "some-future-model, 1024",
    })
    void shouldUseTheReferenceMinimumPerModel(String model, int minimum) {
        assertThat(PromptCache.anthropicMinimum(model)).isEqualTo(minimum);
    }

    @Test
    void shouldEvictTheLeastRecentlyUsedPrefixBeyondItsCapacity() {
        PromptCache cache = new PromptCache(2);
        cache.openAi("k", "m", prompt(1), Duration.ofMinutes(5), 0);
        cache.openAi("k", "m", prompt(2), Duration.ofMinutes(5), 0);
        assertThat(cache.openAi("k", "m", prompt(1), Duration.ofMinutes(5), 1)).isEqualTo(1024);

        cache.openAi("k", "m", prompt(3), Duration.ofMinutes(5), 2);

        assertThat(cache.size()).isEqualTo(2);
        assertThat(cache.openAi("k", "m", prompt(2), Duration.ofMinutes(5), 3))
                .as("least recently used")
                .isZero();
        assertThat(cache.openAi("k", "m", prompt(3), Duration.ofMinutes(5), 4)).isEqualTo(1024);
    }

    @Test
    void shouldStepOpenAiHitsBy128TokensFrom1024() {
        PromptCache cache = new PromptCache();
        int[] long1300 = Arrays.copyOf(prompt(7), 1300);
        cache.openAi("k", "m", long1300, Duration.ofMinutes(5), 0);

        assertThat(cache.openAi("k", "m", long1300, Duration.ofMinutes(5), 1)).isEqualTo(1280);
        assertThat(cache.openAi("k", "m", Arrays.copyOf(long1300, 1279), Duration.ofMinutes(5), 2))
                .isEqualTo(1152);
        assertThat(cache.openAi("k", "m", Arrays.copyOf(long1300, 1023), Duration.ofMinutes(5), 3))
                .isZero();
    }

    /** 1,024 pseudo-tokens that no other salt shares. */
    private static int[] prompt(int salt) {
        int[] tokens = new int[1024];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = salt * 100_000 + i;
        }
        return tokens;
    }
}
