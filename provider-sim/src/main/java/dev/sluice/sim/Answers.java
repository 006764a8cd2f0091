package dev.sluice.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Answers an eval can grade. A last user message that carries an answer key,
 * {@code [sim:expect]X[/sim:expect]} or {@code [sim:expect d=N]X[/sim:expect]} (difficulty N, 1 to 5,
 * default 1), is answered with exactly {@code X} when the model "knows" it, and otherwise with a
 * wrong answer: {@code X + 1} when X is a number, else the prose the simulator always gives.
 * Whether the model knows it is a draw fixed by the model's name and the message, so the same
 * suite gives the same answers on every run: the chance is {@code skill(model)^N}, the skills
 * being those of {@link #SKILLS} (a model not listed has {@link #DEFAULT_SKILL}).
 *
 * <p>A message that also holds the answer under review between {@code <answer>} and
 * {@code </answer>} is a judge's call: the simulator answers {@code {"pass":..,"score":..,"reason":..}},
 * passing the answer when it contains X (any case, surrounding space ignored). The simulated judge
 * follows that one rule, so a test knows what each verdict must be.
 */
final class Answers {
    static final String OPEN = "[sim:expect";
    static final String CLOSE = "[/sim:expect]";
    static final double DEFAULT_SKILL = 0.95;
    /** Small models know less, and hard questions widen the gap (chance = skill^difficulty). */
    static final Map<String, Double> SKILLS = Map.ofEntries(
            Map.entry("gpt-4.1-nano", 0.90),
            Map.entry("gpt-5-nano", 0.91),
            Map.entry("gpt-4o-mini", 0.92),
            Map.entry("gpt-4.1-mini", 0.94),
            Map.entry("gpt-5-mini", 0.95),
            Map.entry("claude-haiku-4-5", 0.94),
            Map.entry("gpt-4o", 0.96),
            Map.entry("gpt-4.1", 0.97),
            Map.entry("claude-sonnet-4-5", 0.97),
            Map.entry("gpt-5", 0.99),
            Map.entry("claude-opus-4-5", 0.99));

    private Answers() {}

    /** The key a message carries: the expected text and its difficulty. */
    record Key(String expected, int difficulty) {}

    static Optional<Key> key(String text) {
        if (text == null) {
            return Optional.empty();
        }
        int open = text.indexOf(OPEN);
        if (open < 0) {
            return Optional.empty();
        }
        int tagEnd = text.indexOf(']', open);
        int close = tagEnd < 0 ? -1 : text.indexOf(CLOSE, tagEnd);
        if (close < 0) {
            return Optional.empty();
        }
        String attributes = text.substring(open + OPEN.length(), tagEnd).trim();
        int difficulty = 1;
        if (attributes.startsWith("d=")) {
            try {
                difficulty = Math.clamp(Integer.parseInt(attributes.substring(2).trim()), 1, 5);
            } catch (NumberFormatException e) {
                difficulty = 1;
            }
        }
        return Optional.of(new Key(text.substring(tagEnd + 1, close), difficulty));
    }

    /** The answer to a message with a key, for {@code model}; empty when the message has none. */
    static Optional<String> answer(ObjectMapper json, String model, String lastUserText) {
        Optional<Key> key = key(lastUserText);
        if (key.isEmpty()) {
            return Optional.empty();
        }
        String expected = key.get().expected();
        int open = lastUserText.indexOf("<answer>");
        int close = lastUserText.lastIndexOf("</answer>");
        if (open >= 0 && close > open) {
            String reviewed = lastUserText.substring(open + "<answer>".length(), close);
            boolean pass = normal(reviewed).contains(normal(expected));
            ObjectNode verdict = json.createObjectNode();
            verdict.put("pass", pass);
            verdict.put("score", pass ? 1.0 : 0.0);
            verdict.put(
                    "reason",
                    pass ? "The answer gives the expected result." : "The answer does not give the expected result.");
            return Optional.of(verdict.toString());
        }
        if (knows(model, lastUserText, key.get().difficulty())) {
            return Optional.of(expected);
        }
        return Optional.ofNullable(nearMiss(expected));
    }

    /** Whether {@code model} answers right: a fixed draw below skill^difficulty. */
    static boolean knows(String model, String text, int difficulty) {
        long bits = TextGenerator.seed(List.of("sim-answer", model == null ? "" : model, text));
        double draw = (bits >>> 11) * 0x1.0p-53;
        return draw < Math.pow(skill(model), difficulty);
    }

    static double skill(String model) {
        return SKILLS.getOrDefault(model, DEFAULT_SKILL);
    }

    /** A wrong answer a grader can tell from the right one: the number after, or null for the usual prose. */
    private static String nearMiss(String expected) {
        try {
            return new java.math.BigDecimal(expected.trim())
                    .add(java.math.BigDecimal.ONE)
                    .toPlainString();
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String normal(String text) {
        return text.strip().toLowerCase(Locale.ROOT);
    }
}
