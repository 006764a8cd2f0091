package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class GenerationTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 5, 13, 40})
    void shouldTruncateToAPrefixThatCountsAtMostTheCap(int cap) {
        String text = TextGenerator.prose(new Random(cap)) + " Ünïcødé ✓ 日本語 text.";

        String cut = Tokens.truncate(text, cap);

        assertThat(text).startsWith(cut);
        assertThat(SimHttp.O200K.countTokensOrdinary(cut))
                .isLessThanOrEqualTo(cap)
                .isPositive();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "Hello world, this is a sentence.",
                "{\"a\":\"b c d e f g h i j k l m n o p\",\"n\":1}",
                "日本語 ✓ emoji 🙂 ok",
                ""
            })
    void shouldSplitStreamPiecesThatJoinBackToTheText(String text) {
        List<String> pieces = TextGenerator.pieces(text);

        assertThat(String.join("", pieces)).isEqualTo(text);
        assertThat(pieces).allSatisfy(p -> assertThat(p).isNotEmpty());
    }

    @ParameterizedTest
    @CsvSource({"12, 12ms", "1000, 1s", "1200, 1.2s", "360000, 6m0s", "61500, 1m1.5s", "3723000, 1h2m3s", "0, 0s"})
    void shouldFormatDurationsTheWayGoDoes(long millis, String expected) {
        assertThat(RateWindow.goDuration(Duration.ofMillis(millis))).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"sk-abcdefghwxyz, sk-ab******wxyz", "short, *****", "abc, ****"})
    void shouldMaskKeysLikeOpenAi(String key, String masked) {
        assertThat(OpenAiApi.mask(key)).isEqualTo(masked);
    }
}
