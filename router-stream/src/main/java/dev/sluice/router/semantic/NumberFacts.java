package dev.sluice.router.semantic;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The numbers a text states, written one way whatever way the text wrote them, so that the guard
 * compares quantities rather than spellings: "two" and "2", "twice" and "two times", "3 pm" and
 * "15:00", "€1,200" and "1200" are equal; "second" and "third" are not. What is not understood
 * ("twenty five", "a couple") stays as written, which can only make two texts differ: a miss,
 * never a false hit.
 */
final class NumberFacts {
    private static final Map<String, Integer> CARDINALS = Map.ofEntries(
            Map.entry("zero", 0),
            Map.entry("one", 1),
            Map.entry("two", 2),
            Map.entry("three", 3),
            Map.entry("four", 4),
            Map.entry("five", 5),
            Map.entry("six", 6),
            Map.entry("seven", 7),
            Map.entry("eight", 8),
            Map.entry("nine", 9),
            Map.entry("ten", 10),
            Map.entry("eleven", 11),
            Map.entry("twelve", 12),
            Map.entry("thirteen", 13),
            Map.entry("fourteen", 14),
            Map.entry("fifteen", 15),
            Map.entry("sixteen", 16),
            Map.entry("seventeen", 17),
            Map.entry("eighteen", 18),
            Map.entry("nineteen", 19),
            Map.entry("twenty", 20),
            Map.entry("thirty", 30),
            Map.entry("forty", 40),
            Map.entry("fifty", 50),
            Map.entry("sixty", 60),
            Map.entry("seventy", 70),
            Map.entry("eighty", 80),
            Map.entry("ninety", 90),
            Map.entry("hundred", 100),
            Map.entry("thousand", 1000),
            Map.entry("million", 1_000_000),
            Map.entry("billion", 1_000_000_000));
    private static final Map<String, Integer> ORDINALS = Map.ofEntries(
            Map.entry("first", 1),
            Map.entry("second", 2),
            Map.entry("third", 3),
            Map.entry("fourth", 4),
            Map.entry("fifth", 5),
            Map.entry("sixth", 6),
            Map.entry("seventh", 7),
            Map.entry("eighth", 8),
            Map.entry("ninth", 9),
            Map.entry("tenth", 10),
            Map.entry("eleventh", 11),
            Map.entry("twelfth", 12));
    private static final Map<String, Integer> MULTIPLES = Map.of("once", 1, "twice", 2, "thrice", 3);
    /** Amounts without a digit that still differ from one another and from the numbers above. */
    private static final Set<String> AMOUNT_WORDS = Set.of("half", "quarter", "double", "triple", "dozen", "single");
    /** After these, "one" stands for a noun ("a new one", "which one"), not for a count. */
    private static final Set<String> BEFORE_PRONOUN_ONE = Set.of(
            "a", "an", "the", "this", "that", "which", "each", "every", "any", "another", "no", "new", "old", "other",
            "same", "right", "wrong", "only", "last", "next", "some", "little", "big");
    /** Stands between clauses in the token list: "a new one." ends there, "a one-sentence summary" goes on. */
    static final String CLAUSE_END = "|";

    private static final Pattern THOUSANDS = Pattern.compile("\\d{1,3}(?:,\\d{3})+");
    private static final Pattern NUMERAL = Pattern.compile("\\d+(?:[.,:/-]\\d+)*");
    private static final Pattern CLOCK = Pattern.compile("(\\d{1,2})(?::(\\d{2}))?(am|pm)?");
    private static final Pattern DIGIT_ORDINAL = Pattern.compile("(\\d+)(?:st|nd|rd|th)");

    private NumberFacts() {}

    /** The numbers of lower-case tokens (apostrophes dropped, hyphenated words split), sorted. */
    static List<String> of(List<String> tokens) {
        List<String> numbers = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            String t =
                    THOUSANDS.matcher(tokens.get(i)).replaceAll(r -> r.group().replace(",", ""));
            String next = i + 1 < tokens.size() ? tokens.get(i + 1) : "";
            Integer count = CARDINALS.get(t);
            if (count == null && t.matches("\\d+")) {
                count = Integer.valueOf(t.length() > 9 ? "-1" : t);
            }
            if (count != null && (next.equals("times") || next.equals("time"))) {
                numbers.add(count + "x");
                i++;
            } else if (MULTIPLES.containsKey(t)) {
                numbers.add(MULTIPLES.get(t) + "x");
            } else if (ORDINALS.containsKey(t)) {
                numbers.add(ORDINALS.get(t) + "th");
            } else if (DIGIT_ORDINAL.matcher(t).matches()) {
                numbers.add(t.replaceAll("\\D", "") + "th");
            } else if (clock(t, next) != null) {
                numbers.add(clock(t, next));
                i += next.equals("am") || next.equals("pm") ? 1 : 0;
            } else if (CARDINALS.containsKey(t)) {
                boolean pronoun = t.equals("one")
                        && i > 0
                        && BEFORE_PRONOUN_ONE.contains(tokens.get(i - 1))
                        && (next.isEmpty() || next.equals(CLAUSE_END));
                if (!pronoun) {
                    numbers.add(String.valueOf(CARDINALS.get(t)));
                }
            } else if (AMOUNT_WORDS.contains(t)) {
                numbers.add(t);
            } else {
                Matcher numeral = NUMERAL.matcher(t);
                while (numeral.find()) {
                    numbers.add(numeral.group().replaceFirst("^0+(?=\\d)", ""));
                }
            }
        }
        numbers.sort(null);
        return numbers;
    }

    /** A time of day on the 24-hour clock ("3 pm", "3pm" and "15:00" are "15:00"), or null. */
    private static String clock(String token, String next) {
        Matcher m = CLOCK.matcher(token);
        if (!m.matches()) {
            return null;
        }
        String half = m.group(3) != null ? m.group(3) : next.equals("am") || next.equals("pm") ? next : null;
        if (half == null && m.group(2) == null) {
            return null; // a bare number, not a time
        }
        int hour = Integer.parseInt(m.group(1));
        if (half != null && (hour < 1 || hour > 12) || hour > 23) {
            return null;
        }
        if (half != null) {
            hour = hour % 12 + (half.equals("pm") ? 12 : 0);
        }
        return hour + ":" + (m.group(2) != null ? m.group(2) : "00");
    }
}
