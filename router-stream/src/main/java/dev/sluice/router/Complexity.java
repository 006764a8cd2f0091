package dev.sluice.router;

import dev.sluice.model.LlmRequest;
import dev.sluice.model.Message;
import dev.sluice.model.Tier;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Chooses a tier for {@code AUTO} requests from a score of four signs of difficulty:
 * <ul>
 *   <li>length: 300+ input tokens +1, 1,500+ +2;</li>
 *   <li>code: a fenced block, or three or more lines that look like code, +1;</li>
 *   <li>analysis words (analyse, compare, evaluate, prove, step by step, trade-off, ...): one or
 *       two distinct +1, three or more +2;</li>
 *   <li>requested output: maxOutputTokens 2,000+ +1, 8,000+ +2.</li>
 * </ul>
 * Score 0–1 is SMALL, 2–3 MEDIUM, 4 or more LARGE. Cheap on purpose: it runs on every AUTO request.
 */
final class Complexity {
    static final Set<String> ANALYSIS_WORDS = Set.of("analyze", "analyse", "analysis", "compare", "contrast",
            "evaluate", "assess", "prove", "derive", "critique", "justify", "implications", "trade-off", "tradeoff",
            "trade-offs", "optimize", "optimise", "architecture", "debug", "reason", "reasoning");
    private static final Pattern STEP_BY_STEP = Pattern.compile("step[ -]by[ -]step|explain why",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern CODE_LINE = Pattern.compile(
            "^\\s*(def |class |public |private |function |import |return |select |from |#include|for \\(|if \\().*"
                    + "|.*[{};]\\s*$", Pattern.CASE_INSENSITIVE);

    record Score(int points, Tier tier) {
    }

    static Score score(LlmRequest request, int inputTokens) {
        int points = 0;
        points += inputTokens >= 1500 ? 2 : inputTokens >= 300 ? 1 : 0;
        String text = allText(request);
        if (hasCode(text)) {
            points += 1;
        }
        int words = analysisWords(text);
        points += words >= 3 ? 2 : words >= 1 ? 1 : 0;
        points += request.maxOutputTokens() >= 8000 ? 2 : request.maxOutputTokens() >= 2000 ? 1 : 0;
        Tier tier = points <= 1 ? Tier.SMALL : points <= 3 ? Tier.MEDIUM : Tier.LARGE;
        return new Score(points, tier);
    }

    private static String allText(LlmRequest request) {
        StringBuilder sb = new StringBuilder();
        for (Message m : request.messages()) {
            sb.append(m.content()).append('\n');
        }
        return sb.toString();
    }

    static boolean hasCode(String text) {
        if (text.contains("```")) {
            return true;
        }
        int lines = 0;
        for (String line : text.split("\n")) {
            if (CODE_LINE.matcher(line).matches() && ++lines >= 3) {
                return true;
            }
        }
        return false;
    }

    static int analysisWords(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        int found = STEP_BY_STEP.matcher(lower).find() ? 1 : 0;
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String word : lower.split("[^a-z-]+")) {
            if (ANALYSIS_WORDS.contains(word)) {
                seen.add(word);
            }
        }
        return found + seen.size();
    }
}
