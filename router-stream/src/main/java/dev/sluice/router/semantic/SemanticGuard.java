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
 *   <li>negation: one has an odd number of negations (not, no, never, don't, without, and words
 *       that carry one: unable, offline, failed, ...) and the other an even number ("cancel my
 *       order" / "don't cancel my order"; but "unable to" / "can't" agree);</li>
 *   <li>numbers, amounts and times, as {@link NumberFacts} writes them: "refund $20" / "refund
 *       $200", "two items" / "three items", "second" / "third" differ; "twice" / "two times",
 *       "3 pm" / "15:00" do not;</li>
 *   <li>calendar words, by unit: month or weekday names, today / tomorrow, day / week / month
 *       ("monthly" is "per month");</li>
 *   <li>names: the capitalised words that do not start a sentence differ ("ship to Paris" /
 *       "ship to Berlin");</li>
 *   <li>opposites: one has a word of a known antonym pair and the other its opposite, in any
 *       inflection (increase / decreased, thicker / thinner) or by a reversing prefix (lock /
 *       unlock, valid / invalid).</li>
 * </ul>
 * A miss costs a provider call; a false hit gives a user another request's answer. So the guard
 * refuses whenever it is unsure, and runs only on candidates the similarity threshold let through.
 */
public final class SemanticGuard {
    private static final Set<String> NEGATIONS = Set.of(
            "not",
            "no",
            "never",
            "none",
            "nothing",
            "nobody",
            "neither",
            "nor",
            "without",
            "cannot",
            "dont",
            "doesnt",
            "didnt",
            "isnt",
            "arent",
            "wasnt",
            "werent",
            "wont",
            "wouldnt",
            "shouldnt",
            "couldnt",
            "cant",
            "havent",
            "hasnt",
            "hadnt",
            "mustnt",
            "stop",
            "avoid",
            // words that carry a negation of their own, so that "unable to" and "can't", "offline" and
            // "without a connection", "failed" and "did not go through" count alike
            "unable",
            "offline",
            "unavailable",
            "missing",
            "fail",
            "fails",
            "failed",
            "lack",
            "lacks",
            "refuse",
            "refused");
    private static final String[][] ANTONYMS = {
        {"increase", "decrease"},
        {"increase", "reduce"},
        {"raise", "lower"},
        {"enable", "disable"},
        {"add", "remove"},
        {"add", "delete"},
        {"open", "close"},
        {"start", "end"},
        {"start", "finish"},
        {"accept", "reject"},
        {"approve", "reject"},
        {"approve", "deny"},
        {"allow", "deny"},
        {"allow", "block"},
        {"buy", "sell"},
        {"include", "exclude"},
        {"before", "after"},
        {"above", "below"},
        {"over", "under"},
        {"more", "less"},
        {"more", "fewer"},
        {"most", "least"},
        {"maximum", "minimum"},
        {"max", "min"},
        {"highest", "lowest"},
        {"high", "low"},
        {"largest", "smallest"},
        {"longest", "shortest"},
        {"first", "last"},
        {"earliest", "latest"},
        {"oldest", "newest"},
        {"lock", "unlock"},
        {"subscribe", "unsubscribe"},
        {"upgrade", "downgrade"},
        {"import", "export"},
        {"upload", "download"},
        {"encrypt", "decrypt"},
        {"positive", "negative"},
        {"true", "false"},
        {"yes", "no"},
        {"win", "lose"},
        {"profit", "loss"},
        {"credit", "debit"},
        {"in", "out"},
        {"on", "off"},
        {"up", "down"},
        {"left", "right"},
        {"hot", "cold"},
        {"fast", "slow"},
        {"cheap", "expensive"},
        {"cheapest", "most expensive"},
        {"best", "worst"},
        {"better", "worse"},
        {"good", "bad"},
        {"send", "receive"},
        {"sent", "received"},
        {"input", "output"},
        {"inbound", "outbound"},
        {"incoming", "outgoing"},
        {"internal", "external"},
        {"public", "private"},
        {"male", "female"},
        {"north", "south"},
        {"east", "west"},
        {"buyer", "seller"},
        {"refund", "charge"},
        {"deposit", "withdraw"},
        {"connect", "disconnect"},
        {"show", "hide"},
        {"include", "omit"},
        {"agree", "disagree"},
        {"like", "dislike"},
        {"valid", "invalid"},
        {"legal", "illegal"},
        {"possible", "impossible"},
        {"always", "never"},
        {"all", "none"},
        {"lend", "borrow"},
        {"thick", "thin"},
        {"hire", "fire"},
        {"promote", "demote"},
        {"grant", "revoke"},
        {"arrive", "depart"},
        {"arrival", "departure"},
        {"push", "pull"},
        {"rise", "fall"},
        {"gain", "lose"},
        {"ascending", "descending"},
        {"wide", "narrow"},
        {"heavy", "light"},
        {"light", "dark"},
        {"full", "empty"},
        {"early", "late"},
        {"young", "old"},
        {"new", "old"},
        {"strong", "weak"},
        {"pause", "resume"},
        {"join", "leave"},
        {"attach", "detach"},
        {"expand", "collapse"},
        {"maximize", "minimize"},
        {"tighten", "loosen"},
        {"accept", "decline"},
        {"confirm", "cancel"},
        {"wet", "dry"},
        {"top", "bottom"},
        {"front", "back"},
        {"inside", "outside"},
        {"enter", "exit"},
        {"entry", "exit"},
        {"pros", "cons"},
        {"income", "expense"},
        {"gross", "net"},
        {"asset", "liability"},
        {"win", "loss"},
        {"pass", "fail"},
        {"rare", "well"},
        {"raw", "cooked"},
        {"sweet", "savory"},
        {"plus", "minus"},
        {"min", "max"},
    };
    /** "lock" and "unlock", "connect" and "disconnect", "valid" and "invalid", "activate" and "deactivate". */
    private static final List<String> REVERSING_PREFIXES = List.of("un", "dis", "in", "im", "il", "ir", "de", "non");

    private static final Map<String, List<String>> OPPOSITES = new HashMap<>();
    private static final Set<String> CALENDAR = Set.of(
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
            "today",
            "tomorrow",
            "yesterday",
            "tonight",
            "weekend",
            "morning",
            "afternoon",
            "evening",
            "night",
            "hourly",
            "day",
            "week",
            "month",
            "year",
            "quarter");
    /** "monthly" asks about the same period as "per month"; plurals are cut to the singular before. */
    private static final Map<String, String> CALENDAR_FORMS = Map.of(
            "daily",
            "day",
            "weekly",
            "week",
            "monthly",
            "month",
            "yearly",
            "year",
            "annual",
            "year",
            "annually",
            "year",
            "quarterly",
            "quarter");

    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}][\\p{L}\\p{N}'’.,:/-]*");

    static {
        for (String[] pair : ANTONYMS) {
            OPPOSITES.computeIfAbsent(pair[0], k -> new ArrayList<>()).add(pair[1]);
            OPPOSITES.computeIfAbsent(pair[1], k -> new ArrayList<>()).add(pair[0]);
        }
    }

    /** The guard's reasons that say two texts are about different things, not that they ask different things. */
    private static final Set<String> ABOUT_OTHER_THINGS = Set.of("numbers", "dates", "names");

    /**
     * Whether a refusal says the two texts are about different things (another order, date or
     * person: "Ticket #4: ..." / "Ticket #64: ...") rather than that they ask different things of
     * the same ones.
     */
    public static boolean aboutOtherThings(String refusal) {
        return ABOUT_OTHER_THINGS.contains(refusal);
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
        if (opposed(x, y) || opposed(y, x) || moreOfOpposites(x, y) || moreOfOpposites(y, x)) {
            return "opposites";
        }
        return null;
    }

    /**
     * Opposites a word set cannot see: both texts have "in", but x has one more "in" and y one more
     * "out" ("Check in to the hotel in Oslo" / "Check out of the hotel in Oslo").
     */
    private static boolean moreOfOpposites(Facts x, Facts y) {
        for (String word : x.words) {
            List<String> opposites = OPPOSITES.get(word);
            if (opposites == null || count(x, word) <= count(y, word)) {
                continue;
            }
            for (String opposite : opposites) {
                if (!opposite.contains(" ") && count(y, opposite) > count(x, opposite)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static int count(Facts f, String word) {
        String spaced = " " + word + " ";
        int n = 0;
        for (int at = f.text.indexOf(spaced); at >= 0; at = f.text.indexOf(spaced, at + spaced.length() - 1)) {
            n++;
        }
        return n;
    }

    /**
     * Whether x has a word whose opposite y has, in any inflection ("thicker" / "thinner"), and
     * not the word itself.
     */
    private static boolean opposed(Facts x, Facts y) {
        Set<String> rootsX = roots(x.words);
        Set<String> rootsY = roots(y.words);
        for (String word : rootsX) {
            if (rootsY.contains(word)) {
                continue;
            }
            for (String opposite : OPPOSITES.getOrDefault(word, List.of())) {
                if (opposite.contains(" ")
                        ? y.text.contains(" " + opposite + " ")
                        : rootsY.contains(opposite) && !rootsX.contains(opposite)) {
                    return true;
                }
            }
            for (String prefix : REVERSING_PREFIXES) {
                if (word.length() >= 4 && rootsY.contains(prefix + word) && !rootsX.contains(prefix + word)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Each word with the inflections an antonym list does not spell out taken off, as candidates:
     * a wrong candidate ("thinn") matches nothing, so over-generating costs nothing.
     */
    static Set<String> roots(Set<String> words) {
        Set<String> roots = new TreeSet<>();
        for (String w : words) {
            roots.add(w);
            for (String suffix : List.of("s", "es", "ed", "d", "ing", "er", "est", "r", "st")) {
                if (w.length() > suffix.length() + 2 && w.endsWith(suffix)) {
                    String stem = w.substring(0, w.length() - suffix.length());
                    roots.add(stem);
                    roots.add(stem + "e");
                    int n = stem.length();
                    if (stem.charAt(n - 1) == stem.charAt(n - 2)) {
                        roots.add(stem.substring(0, n - 1)); // thinner, stopped
                    }
                }
            }
            if (w.endsWith("ies") && w.length() > 4) {
                roots.add(w.substring(0, w.length() - 3) + "y");
            }
        }
        return roots;
    }

    /** One word of a text as {@link #forEachWord} finds it. */
    @FunctionalInterface
    interface WordVisitor {
        /** {@code token} may end in the stop that follows it ("order.", "Note:"); {@code end} is where it ends. */
        void word(String token, int end, boolean sentenceStart);
    }

    /** Each word of a text in order, with whether it starts a sentence (after . ? ! : or a new line). */
    static void forEachWord(String text, WordVisitor visitor) {
        boolean sentenceStart = true;
        Matcher m = WORD.matcher(text);
        int last = 0;
        while (m.find()) {
            String between = text.substring(last, m.start());
            if (between.contains(".")
                    || between.contains("?")
                    || between.contains("!")
                    || between.contains("\n")
                    || between.contains(":")) {
                sentenceStart = true;
            }
            last = m.end();
            String token = m.group();
            visitor.word(token, m.end(), sentenceStart);
            sentenceStart = token.endsWith(".") || token.endsWith(":");
        }
    }

    /** A word without the stop that may follow it ("order." is "order"). */
    static String withoutTrailingStop(String token) {
        return token.replaceAll("[.,:]+$", "");
    }

    /** Whether the guard takes a word for a name: capitalised where a sentence does not start, and not "I". */
    static boolean isName(String word, boolean sentenceStart) {
        return !sentenceStart && Character.isUpperCase(word.charAt(0)) && !word.equals("I");
    }

    /** What the guard compares of one text. */
    private record Facts(
            String text,
            Set<String> words,
            int negations,
            List<String> numbers,
            Set<String> calendar,
            Set<String> names) {

        static Facts of(String text) {
            Set<String> words = new TreeSet<>();
            Set<String> names = new TreeSet<>();
            List<String> tokens = new ArrayList<>(); // lower case, apostrophes dropped, hyphenated words split
            forEachWord(text, (token, end, sentenceStart) -> {
                String raw = withoutTrailingStop(token);
                String bare = raw.toLowerCase(Locale.ROOT).replace("’", "'").replace("'", "");
                if (isName(raw, sentenceStart)) {
                    names.add(bare);
                }
                words.add(bare);
                for (String part : bare.split("(?<=\\p{L})-|-(?=\\p{L})")) {
                    if (!part.isEmpty()) {
                        tokens.add(part);
                    }
                }
                if (!token.equals(raw) || end == text.length() || ";?!)\n".indexOf(text.charAt(end)) >= 0) {
                    tokens.add(NumberFacts.CLAUSE_END);
                }
            });
            int negations = 0;
            Set<String> calendar = new TreeSet<>();
            for (int i = 0; i < tokens.size(); i++) {
                String t = tokens.get(i);
                negations += NEGATIONS.contains(t) ? 1 : 0;
                String unit = CALENDAR_FORMS.getOrDefault(t, t.endsWith("s") ? t.substring(0, t.length() - 1) : t);
                if (CALENDAR.contains(unit)) {
                    calendar.add(unit);
                }
            }
            String spaced = " "
                    + WORD.matcher(text.toLowerCase(Locale.ROOT))
                            .results()
                            .map(r -> r.group().replaceAll("[.,:]+$", ""))
                            .reduce((p, q) -> p + " " + q)
                            .orElse("")
                    + " ";
            return new Facts(spaced, words, negations, NumberFacts.of(tokens), calendar, names);
        }
    }
}
