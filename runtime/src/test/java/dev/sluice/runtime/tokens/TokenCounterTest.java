package dev.sluice.runtime.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class TokenCounterTest {
    /** o200k_base's pre-tokenisation regex as jtokkit compiles it. */
    private static final Pattern O200K = Pattern.compile(
            String.join(
                    "|",
                    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+"
                            + "(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
                    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*"
                            + "(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
                    "\\p{N}{1,3}",
                    " ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*",
                    "\\s*[\\r\\n]+",
                    "\\s+(?!\\S)",
                    "\\s+"),
            Pattern.UNICODE_CHARACTER_CLASS);

    /** Pieces chosen to hit every alternative and its backtracking: cases, marks, scripts, digits, spaces. */
    private static final String[] PIECES = {
        "the",
        "The",
        "THE",
        "tHe",
        "invoice",
        "HELLOworld",
        "ABc",
        "I'm",
        "don't",
        "WE'LL",
        "it'S",
        "they're",
        "'ve",
        "'d",
        "'",
        "ſ",
        "'ſ",
        "naïve",
        "e\u0301",
        "\u0301",
        "\u0301a",
        "日本語",
        "Aあ",
        "ᵃb",
        "ǅx",
        "Σίσυφος",
        "Москва",
        "مرحبا",
        "👍",
        "🇫🇷",
        "𝔘𝔫𝔦",
        "\uD800",
        "\uDC00",
        "0",
        "12",
        "1234567",
        "٣٤",
        "Ⅻ",
        "½",
        " ",
        "  ",
        "   ",
        "\t",
        "\n",
        "\r\n",
        "\n\n",
        " \n ",
        "\u00A0",
        "\u2003",
        "\u3000",
        "\u000B",
        "\f",
        "\u0085",
        "\u2028",
        ".",
        ",",
        "!?",
        "...",
        "/",
        "//",
        "-",
        "—",
        "$",
        "€",
        "<|endoftext|>",
        "```",
        "{",
        "}",
        "();",
        "#include",
        "x",
        "_",
        "a_b",
        "http://example.com/a?b=1",
        "café",
        "ÉCOLE",
        "ß",
        "İstanbul",
        "ı",
        "K",
        "Ǆ"
    };

    @Test
    void shouldSplitExactlyAsTheRegexDoes() {
        SplittableRandom random = new SplittableRandom(11);
        for (int n = 0; n < 30_000; n++) {
            String text = randomText(random);
            assertThat(pieces(text)).as("pieces of [%s]", text).isEqualTo(regexPieces(text));
        }
    }

    @Test
    void shouldCountExactlyAsJtokkitDoesOverTheWholeText() {
        SplittableRandom random = new SplittableRandom(12);
        for (int n = 0; n < 20_000; n++) {
            String text = randomText(random);
            assertThat(TokenCounter.count(text))
                    .as("tokens of [%s]", text)
                    .isEqualTo(TokenCounter.countWholeText(text));
        }
    }

    @Test
    void shouldCountProseCodeAndLongRunsAsJtokkitDoes() {
        String prose = "Sluice routes LLM requests durably. It de-duplicates by idempotency key, caches exact "
                + "repeats and enforces budgets; 1,234 requests/s isn't the point — correctness is.\n\n";
        String code = "public static int add(int a, int b) {\n    return a + b; // sum\n}\n\tif (x) { y(); }\r\n";
        String longRun = "a".repeat(5000) + " " + "9".repeat(700) + " " + "!".repeat(300) + "\n".repeat(40);
        for (String text : List.of(prose, code, longRun, prose.repeat(50) + code.repeat(20))) {
            assertThat(TokenCounter.count(text)).isEqualTo(TokenCounter.countWholeText(text));
        }
        assertThat(TokenCounter.count("Hello, world!")).isEqualTo(4);
    }

    @Test
    void shouldCountSpecialTokenTextAsOrdinaryTextInsteadOfFailing() {
        assertThat(TokenCounter.count("say <|endoftext|> now")).isGreaterThan(3);
        assertThat(TokenCounter.chatTokens(List.of(Message.user("<|endoftext|>"))))
                .isEqualTo(TokenCounter.PER_MESSAGE
                        + TokenCounter.REPLY_PRIMING
                        + TokenCounter.countWholeText("<|endoftext|>"));
    }

    private static String randomText(SplittableRandom random) {
        StringBuilder sb = new StringBuilder();
        int pieces = 1 + random.nextInt(12);
        for (int i = 0; i < pieces; i++) {
            sb.append(PIECES[random.nextInt(PIECES.length)]);
            if (random.nextInt(3) == 0) {
                sb.append(' ');
            }
        }
        return sb.toString();
    }

    private static List<String> pieces(String text) {
        List<String> out = new ArrayList<>();
        O200kSplitter.split(text, (t, start, end) -> out.add(t.substring(start, end)));
        return out;
    }

    private static List<String> regexPieces(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = O200K.matcher(text);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }
}
