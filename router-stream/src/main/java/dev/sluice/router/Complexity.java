package dev.sluice.router;

import dev.sluice.model.LlmRequest;
import dev.sluice.model.Message;
import dev.sluice.model.Role;
import dev.sluice.model.Tier;
import dev.sluice.runtime.tokens.TokenCounter;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Chooses a tier for {@code AUTO} requests from a score of four signs of difficulty in the task:
 * the user and assistant turns and the requested output. System turns are instructions, most
 * often one prompt shared by every job of an application (and cached by the provider), and say
 * nothing about how hard this job is: a 3,000-token system prompt before "Is this ticket about
 * billing?" is still a small task. The signs:
 * <ul>
 *   <li>length: 300+ tokens in the task's turns +1, 1,500+ +2;</li>
 *   <li>code: a fenced block, or three or more lines that look like code, +1;</li>
 *   <li>analysis words (analyse, compare, evaluate, prove, step by step, trade-off, ...): one or
 *       two distinct +1, three or more +2;</li>
 *   <li>requested output: maxOutputTokens 2,000+ +1, 8,000+ +2.</li>
 * </ul>
 * Score 0–1 is SMALL, 2–3 MEDIUM, 4 or more LARGE. A request of system turns alone is judged on
 * them, having nothing else. Cheap on purpose: it runs on every AUTO request.
 */
final class Complexity {
    static final Set<String> ANALYSIS_WORDS = Set.of(
            "analyze",
            "analyse",
            "analysis",
            "compare",
            "contrast",
            "evaluate",
            "assess",
            "prove",
            "derive",
            "critique",
            "justify",
            "implications",
            "trade-off",
            "tradeoff",
            "trade-offs",
            "optimize",
            "optimise",
            "architecture",
            "debug",
            "reason",
            "reasoning");
    /** They start with 's' or 'e', which {@link #containsAnyIgnoreCase} relies on. */
    private static final String[] PHRASES = {
        "step by step", "step-by-step", "step by-step", "step-by step", "explain why"
    };

    private static final String[] CODE_STARTS = {
        "def ",
        "class ",
        "public ",
        "private ",
        "function ",
        "import ",
        "return ",
        "select ",
        "from ",
        "#include",
        "for (",
        "if ("
    };

    record Score(int points, Tier tier) {}

    static Score score(LlmRequest request) {
        List<Message> task = task(request.messages());
        int tokens = TokenCounter.chatTokens(task);
        int points = tokens >= 1500 ? 2 : tokens >= 300 ? 1 : 0;
        String text = text(task);
        if (hasCode(text)) {
            points += 1;
        }
        int words = analysisWords(text);
        points += words >= 3 ? 2 : words >= 1 ? 1 : 0;
        points += request.maxOutputTokens() >= 8000 ? 2 : request.maxOutputTokens() >= 2000 ? 1 : 0;
        Tier tier = points <= 1 ? Tier.SMALL : points <= 3 ? Tier.MEDIUM : Tier.LARGE;
        return new Score(points, tier);
    }

    /** The user and assistant turns; all turns when there are no others. */
    static List<Message> task(List<Message> messages) {
        List<Message> task =
                messages.stream().filter(m -> m.role() != Role.SYSTEM).toList();
        return task.isEmpty() ? messages : task;
    }

    private static String text(List<Message> messages) {
        StringBuilder sb = new StringBuilder();
        for (Message m : messages) {
            sb.append(m.content()).append('\n');
        }
        return sb.toString();
    }

    /**
     * A fenced block, or three lines that look like code: after leading whitespace they start with
     * a keyword ({@code def }, {@code class }, {@code public }, {@code import }, {@code return },
     * {@code select }, {@code #include}, {@code for (}, {@code if (}, ...; any case), or their last
     * non-blank character is {@code {}, {@code }} or {@code ;}. Scanned by hand: this runs on
     * every AUTO request.
     */
    static boolean hasCode(String text) {
        if (text.contains("```")) {
            return true;
        }
        int lines = 0;
        int start = 0;
        while (start <= text.length()) {
            int end = text.indexOf('\n', start);
            end = end < 0 ? text.length() : end;
            if (codeLine(text, start, end) && ++lines >= 3) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }

    private static boolean codeLine(String text, int start, int end) {
        int from = start;
        while (from < end && Character.isWhitespace(text.charAt(from))) {
            from++;
        }
        for (String keyword : CODE_STARTS) {
            if (from + keyword.length() <= end && text.regionMatches(true, from, keyword, 0, keyword.length())) {
                return true;
            }
        }
        int last = end - 1;
        while (last >= from && Character.isWhitespace(text.charAt(last))) {
            last--;
        }
        if (last < from) {
            return false;
        }
        char c = text.charAt(last);
        return c == '{' || c == '}' || c == ';';
    }

    /**
     * Distinct analysis words (words being runs of ASCII letters and hyphens, any case), plus one
     * for "step by step" or "explain why" anywhere.
     */
    static int analysisWords(String text) {
        int found = containsAnyIgnoreCase(text, PHRASES) ? 1 : 0;
        java.util.Set<String> seen = null;
        int n = text.length();
        int i = 0;
        while (i < n) {
            while (i < n && !wordChar(text.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && wordChar(text.charAt(i))) {
                i++;
            }
            int length = i - start;
            if (length >= SHORTEST_WORD && length <= LONGEST_WORD) {
                String word = text.substring(start, i).toLowerCase(Locale.ROOT);
                if (ANALYSIS_WORDS.contains(word)) {
                    seen = seen == null ? new java.util.HashSet<>() : seen;
                    seen.add(word);
                }
            }
        }
        return found + (seen == null ? 0 : seen.size());
    }

    private static final int SHORTEST_WORD =
            ANALYSIS_WORDS.stream().mapToInt(String::length).min().orElseThrow();
    private static final int LONGEST_WORD =
            ANALYSIS_WORDS.stream().mapToInt(String::length).max().orElseThrow();

    private static boolean wordChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-';
    }

    /** One pass over the text, trying the phrases only where one could start. */
    private static boolean containsAnyIgnoreCase(String text, String[] phrases) {
        for (int i = 0; i < text.length(); i++) {
            char c = Character.toLowerCase(text.charAt(i));
            if (c != 's' && c != 'e') {
                continue;
            }
            for (String phrase : phrases) {
                if (phrase.charAt(0) == c
                        && i + phrase.length() <= text.length()
                        && text.regionMatches(true, i, phrase, 0, phrase.length())) {
                    return true;
                }
            }
        }
        return false;
    }
}
