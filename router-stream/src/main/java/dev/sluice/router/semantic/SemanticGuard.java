package dev.sluice.router.semantic;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What sentence embeddings are known to miss: two texts close in meaning space that ask for
 * different things. A semantic cache hit is refused when the two texts differ in
 * <ul>
 *   <li>negation: one has an odd number of negations (not, no, never, don't, without, ...) and
 *       the other an even number ("cancel my order" / "don't cancel my order");</li>
 *   <li>numbers, amounts, dates and times: the multiset of numerals differs ("refund $20" /
 *       "refund $200"; "on 3 May" / "on 5 May"; "two items" / "three items");</li>
 *   <li>month or weekday names;</li>
 *   <li>names: the capitalised words that do not start a sentence differ ("ship to Paris" /
 *       "ship to Berlin");</li>
 *   <li>opposites: one has a word of a known antonym pair and the other its opposite
 *       (increase / decrease, enable / disable, before / after, ...).</li>
 * </ul>
 * A miss costs a provider call; a false hit gives a user another request's answer. So the guard
 * refuses whenever it is unsure, and runs only on candidates the similarity threshold let through.
 */
public final class SemanticGuard {
    private static final Set<String> NEGATIONS = Set.of("not", "no", "never", "none", "nothing", "nobody", "neither",
            "nor", "without", "cannot", "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent", "wont",
            "wouldnt", "shouldnt", "couldnt", "cant", "havent", "hasnt", "hadnt", "mustnt", "stop", "avoid");
    private static final String[][] ANTONYMS = {
        {"increase", "decrease"}, {"increase", "reduce"}, {"raise", "lower"}, {"enable", "disable"},
        {"add", "remove"}, {"add", "delete"}, {"open", "close"}, {"start", "end"}, {"start", "finish"},
        {"accept", "reject"}, {"approve", "reject"}, {"approve", "deny"}, {"allow", "deny"}, {"allow", "block"},
        {"buy", "sell"}, {"include", "exclude"}, {"before", "after"}, {"above", "below"}, {"over", "under"},
        {"more", "less"}, {"more", "fewer"}, {"most", "least"}, {"maximum", "minimum"}, {"max", "min"},
        {"highest", "lowest"}, {"high", "low"}, {"largest", "smallest"}, {"longest", "shortest"},
        {"first", "last"}, {"earliest", "latest"}, {"oldest", "newest"}, {"lock", "unlock"},
        {"subscribe", "unsubscribe"}, {"upgrade", "downgrade"}, {"import", "export"}, {"upload", "download"},
        {"encrypt", "decrypt"}, {"positive", "negative"}, {"true", "false"}, {"yes", "no"}, {"win", "lose"},
        {"profit", "loss"}, {"credit", "debit"}, {"in", "out"}, {"on", "off"}, {"up", "down"}, {"left", "right"},
        {"hot", "cold"}, {"fast", "slow"}, {"cheap", "expensive"}, {"cheapest", "most expensive"},
        {"best", "worst"}, {"better", "worse"}, {"good", "bad"}, {"send", "receive"}, {"sent", "received"},
        {"input", "output"}, {"inbound", "outbound"}, {"incoming", "outgoing"}, {"internal", "external"},
        {"public", "private"}, {"male", "female"}, {"north", "south"}, {"east", "west"}, {"buyer", "seller"},
        {"refund", "charge"}, {"deposit", "withdraw"}, {"connect", "disconnect"}, {"show", "hide"},
        {"include", "omit"}, {"agree", "disagree"}, {"like", "dislike"}, {"valid", "invalid"},
        {"legal", "illegal"}, {"possible", "impossible"}, {"always", "never"}, {"all", "none"},
    };
    private static final Map<String, List<String>> OPPOSITES = new HashMap<>();
    private static final Set<String> CALENDAR = Set.of("january", "february", "march", "april", "may", "june", "july",
            "august", "september", "october", "november", "december", "monday", "tuesday", "wednesday", "thursday",
            "friday", "saturday", "sunday", "today", "tomorrow", "yesterday", "tonight", "weekend", "morning",
            "afternoon", "evening", "night", "week", "month", "year", "quarter", "daily", "weekly", "monthly",
            "yearly", "annual", "hourly");
    private static final Set<String> NUMBER_WORDS = Set.of("zero", "one", "two", "three", "four", "five", "six",
            "seven", "eight", "nine", "ten", "eleven", "twelve", "twenty", "thirty", "forty", "fifty", "hundred",
            "thousand", "million", "billion", "half", "quarter", "double", "twice", "dozen", "single", "once",
            "thrice", "triple");
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}][\\p{L}\\p{N}'’.,:/-]*");
    private static final Pattern NUMERAL = Pattern.compile("\\d+(?:[.,:/-]\\d+)*");

    static {
        for (String[] pair : ANTONYMS) {
            OPPOSITES.computeIfAbsent(pair[0], k -> new ArrayList<>()).add(pair[1]);
            OPPOSITES.computeIfAbsent(pair[1], k -> new ArrayList<>()).add(pair[0]);
        }
    }

    /** Why two texts must not share an answer, or null when nothing was found against it. */
    public String conflict(String a, String b) {
        Facts x = Facts.of(a);
        Facts y = Facts.of(b);
        if (x.negations % 2 != y.negations % 2) {
            return "negation";
        }
        if (!x.numbers.equals(y.numbers)) {
            return "numbers";
        }
        if (!x.calendar.equals(y.calendar)) {
            return "dates";
        }
        if (!x.names.equals(y.names)) {
            return "names";
        }
        if (opposed(x, y) || opposed(y, x)) {
            return "opposites";
        }
        return null;
    }

    private static boolean opposed(Facts x, Facts y) {
        for (String word : x.words) {
            List<String> opposites = OPPOSITES.get(word);
            if (opposites == null || y.words.contains(word)) {
                continue;
            }
            for (String opposite : opposites) {
                if (opposite.contains(" ") ? y.text.contains(" " + opposite + " ") : y.words.contains(opposite)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** What the guard compares of one text. */
    private record Facts(String text, Set<String> words, int negations, List<String> numbers, Set<String> calendar,
            Set<String> names) {

        static Facts of(String text) {
            Set<String> words = new TreeSet<>();
            List<String> numbers = new ArrayList<>();
            Set<String> calendar = new TreeSet<>();
            Set<String> names = new TreeSet<>();
            int negations = 0;
            boolean sentenceStart = true;
            Matcher m = WORD.matcher(text);
            int last = 0;
            while (m.find()) {
                String between = text.substring(last, m.start());
                if (between.contains(".") || between.contains("?") || between.contains("!") || between.contains("\n")
                        || between.contains(":")) {
                    sentenceStart = true;
                }
                last = m.end();
                String token = m.group();
                String raw = token.replaceAll("[.,:]+$", "");
                String word = raw.toLowerCase(Locale.ROOT).replace("’", "'");
                String bare = word.replace("'", "");
                Matcher numeral = NUMERAL.matcher(raw);
                while (numeral.find()) {
                    numbers.add(numeral.group());
                }
                if (NUMBER_WORDS.contains(bare)) {
                    numbers.add(bare);
                }
                if (NEGATIONS.contains(bare)) {
                    negations++;
                }
                if (CALENDAR.contains(bare)) {
                    calendar.add(bare);
                }
                if (!sentenceStart && Character.isUpperCase(raw.charAt(0)) && !bare.equals("i")) {
                    names.add(bare);
                }
                words.add(bare);
                sentenceStart = token.endsWith(".") || token.endsWith(":");
            }
            numbers.sort(null);
            String spaced = " " + WORD.matcher(text.toLowerCase(Locale.ROOT)).results().map(r -> r.group()
                    .replaceAll("[.,:]+$", "")).reduce((p, q) -> p + " " + q).orElse("") + " ";
            return new Facts(spaced, words, negations, numbers, calendar, names);
        }
    }
}
