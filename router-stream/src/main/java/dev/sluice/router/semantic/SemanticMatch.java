package dev.sluice.router.semantic;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Whether a new request may take a cached answer to an earlier one of the same tenant, model chain
 * and parameters. Three checks, all of which must pass (short texts with little in common are
 * compared with what they name, or with the subject they share, taken out: {@link #masked},
 * {@link #sharedMasked}):
 * <ol>
 *   <li>the two texts' cosine reaches the tenant's threshold;</li>
 *   <li>{@link SemanticGuard} finds nothing that makes them ask for different things (negation,
 *       numbers, dates, names, opposites), and they are not a yes/no question and an open one
 *       ({@link #asks});</li>
 *   <li>where the two share at least half their words, what differs between them must mean the
 *       same. Shared data dominates a whole-text embedding, so "Summarise this review: …" and
 *       "Translate this review: …" of one long review are close as wholes. What differs passes
 *       when the words outside the two texts' longest common word sequence, embedded on their
 *       own, reach the model's {@link Embedder#residualThreshold()}, or when the two
 *       instructions, with the data they share taken out ({@link Alignment#instructions()}), reach its
 *       {@link Embedder#instructionThreshold()}. It never passes when one text only adds words,
 *       nor when either side of the difference is a single word: one word for another in an
 *       otherwise equal sentence ("earlier" / "later", "this" / "next" weekend) embeds as alike
 *       as a synonym does.</li>
 * </ol>
 * False hits are worse than misses: the rules and thresholds are measured on the committed eval
 * sets (SemanticEvalTest) and in a cache filled with them (SemanticLookupLatencyTest; docs/benchmarks.md)
 * to keep false hits at or under 0.5 %.
 */
public final class SemanticMatch {
    public static final double DEFAULT_THRESHOLD = 0.75;
    /** Below this share of words in common, the texts are compared as wholes only. */
    static final double SHARED_SHARE = 0.5;
    /** The longest text that may share an answer with one it has less than half its words in common with. */
    static final int MAX_WORDS_APART = 20;
    /** Words in a row two texts share that are taken as shared data rather than as part of what is asked. */
    static final int DATA_RUN = 4;
    /** Words whose presence or absence changes nothing that is asked ("the query" / "a query"). */
    private static final Set<String> ASKS_NOTHING = Set.of("a", "an", "the", "please", "kindly");
    /**
     * The cosine two short texts that name nothing and ask in different ways must reach with the
     * words they share taken out ({@link #sharedMasked}): lower than
     * {@link Embedder#instructionThreshold()}, as what is left of such texts is little more than
     * how they ask. Measured for all-MiniLM-L6-v2 on the filled cache (docs/benchmarks.md).
     */
    static final double SHARED_MASKED_THRESHOLD = 0.55;
    /** Words that say how something is asked, not what it is about: never taken for a shared subject. */
    private static final Set<String> FUNCTION_WORDS = Set.of(
            "a", "an", "the", "please", "kindly", "i", "me", "my", "you", "your", "we", "our", "it", "its", "they",
            "their", "this", "that", "these", "those", "is", "are", "was", "were", "be", "been", "being", "am", "do",
            "does", "did", "can", "could", "would", "should", "will", "shall", "may", "might", "must", "have", "has",
            "had", "to", "of", "in", "on", "for", "from", "at", "by", "with", "into", "about", "as", "and", "or", "but",
            "so", "if", "what", "which", "who", "when", "where", "why", "how", "there", "some", "any", "one");

    private static final Set<String> OPEN_WORDS =
            Set.of("what", "which", "who", "whom", "whose", "when", "where", "why", "how");
    private static final Set<String> AUXILIARIES = Set.of(
            "do", "does", "did", "is", "are", "was", "were", "am", "can", "could", "will", "would", "should", "shall",
            "may", "might", "must", "has", "have", "had");
    private static final Set<String> REQUESTS = Set.of("can", "could", "will", "would");

    private final Embedder embedder;
    private final SemanticGuard guard = new SemanticGuard();

    public SemanticMatch(Embedder embedder) {
        this.embedder = embedder;
    }

    /** A hit, or why not: {@code below threshold}, {@code different in what differs}, or the guard's reason. */
    public record Verdict(boolean hit, double similarity, String refusal) {}

    public Verdict judge(String query, float[] queryVector, String cached, float[] cachedVector, double threshold) {
        double similarity = Embedder.cosine(queryVector, cachedVector);
        if (similarity < threshold) {
            return new Verdict(false, similarity, "below threshold");
        }
        String conflict = guard.conflict(query, cached);
        if (conflict != null) {
            return new Verdict(false, similarity, conflict);
        }
        if (!asksAlike(query, cached)) {
            return new Verdict(false, similarity, "another kind of question");
        }
        if (!residualsAgree(query, cached)) {
            return new Verdict(false, similarity, "different in what differs");
        }
        return new Verdict(true, similarity, null);
    }

    /** The guard's reason two texts must not share an answer, or null: cheap, no model run. */
    String conflict(String a, String b) {
        return guard.conflict(a, b);
    }

    private boolean residualsAgree(String a, String b) {
        List<String> x = words(a);
        List<String> y = words(b);
        Alignment aligned = Alignment.of(x, y);
        if (aligned.common() < SHARED_SHARE * Math.max(x.size(), y.size())) {
            // Little in common: two short questions may still ask the same, if they do once the
            // things they name are taken out ("Add Premium Plan to my account" / "Please end my
            // Premium Plan subscription" are alike as wholes for the product they share). Two longer
            // texts carry different data ("classify this review: <one review>" / "...: <another>"),
            // and their similarity as wholes says how alike the data are, not that one answer fits.
            if (Math.max(x.size(), y.size()) > MAX_WORDS_APART) {
                return false;
            }
            String maskedA = masked(a);
            String maskedB = masked(b);
            if (maskedA.equals(a) && maskedB.equals(b)) {
                // Nothing named. Asked the same way, their likeness as wholes stands. A question and
                // a request are alike as wholes for the subject they share ("Give me a recipe for
                // risotto." / "What can I use instead of eggs in risotto?"): compared without it.
                return asks(a) == asks(b)
                        || Embedder.cosine(embedder.embed(sharedMasked(a, b)), embedder.embed(sharedMasked(b, a)))
                                >= SHARED_MASKED_THRESHOLD;
            }
            return Embedder.cosine(embedder.embed(maskedA), embedder.embed(maskedB)) >= embedder.instructionThreshold();
        }
        List<String> restX = aligned.rest(true);
        List<String> restY = aligned.rest(false);
        restX.removeAll(ASKS_NOTHING);
        restY.removeAll(ASKS_NOTHING);
        if (restX.isEmpty() && restY.isEmpty()) {
            return true;
        }
        if (restX.isEmpty() || restY.isEmpty()) {
            return false; // one asks for more than the other
        }
        if (restX.size() == 1 || restY.size() == 1) {
            // One word for another in the same sentence is where embeddings fail: "earlier" /
            // "later", "this" / "next" weekend, "when" / "where" embed as alike as synonyms do.
            return false;
        }
        if (Embedder.cosine(embedder.embed(String.join(" ", restX)), embedder.embed(String.join(" ", restY)))
                >= embedder.residualThreshold()) {
            return true;
        }
        String[] asked = aligned.instructions();
        return asked != null
                && Embedder.cosine(embedder.embed(asked[0]), embedder.embed(asked[1]))
                        >= embedder.instructionThreshold();
    }

    /** How a text asks: a question answered yes or no, an open question (what, how, ...), or neither. */
    enum Asks {
        YES_NO,
        OPEN,
        OTHER
    }

    /**
     * Whether two texts ask alike: a yes/no question and an open one never share an answer, however
     * alike they are as wholes ("Does chocolate cake need eggs?" / "What can I use instead of eggs in
     * chocolate cake?"): "yes" does not say what to use. A request or a statement may be either.
     */
    static boolean asksAlike(String a, String b) {
        Asks x = asks(a);
        Asks y = asks(b);
        return x == y || x == Asks.OTHER || y == Asks.OTHER;
    }

    /**
     * How the text's first question asks, read from the first clause of the sentence that ends in
     * "?" that starts with a question word or an auxiliary ("I forgot my password, how can I set a
     * new one?" asks openly). "Can you ..." and "Would you ..." are requests, not yes/no questions.
     */
    static Asks asks(String text) {
        int mark = text.indexOf('?');
        if (mark < 0) {
            return Asks.OTHER;
        }
        int start = Math.max(
                        Math.max(text.lastIndexOf('.', mark), text.lastIndexOf('!', mark)),
                        Math.max(text.lastIndexOf(':', mark), text.lastIndexOf('\n', mark)))
                + 1;
        for (String clause : text.substring(start, mark).split("[,;]")) {
            List<String> w = words(clause);
            if (w.isEmpty()) {
                continue;
            }
            String first = w.get(0).replaceAll("'.*", "");
            if (OPEN_WORDS.contains(first)) {
                return Asks.OPEN;
            }
            if (AUXILIARIES.contains(first)) {
                boolean request = w.size() > 1 && w.get(1).equals("you") && REQUESTS.contains(first);
                return request ? Asks.OTHER : Asks.YES_NO;
            }
        }
        return Asks.OTHER;
    }

    /** See {@link Alignment#instructions()}. */
    static String[] instructions(List<String> x, List<String> y) {
        return Alignment.of(x, y).instructions();
    }

    /** Two word lists aligned on their longest common word sequence: the index pairs it matches. */
    private record Alignment(List<String> x, List<String> y, List<int[]> matched) {

        static Alignment of(List<String> x, List<String> y) {
            int[][] t = new int[x.size() + 1][y.size() + 1];
            for (int i = x.size() - 1; i >= 0; i--) {
                for (int j = y.size() - 1; j >= 0; j--) {
                    t[i][j] = x.get(i).equals(y.get(j)) ? t[i + 1][j + 1] + 1 : Math.max(t[i + 1][j], t[i][j + 1]);
                }
            }
            List<int[]> matched = new ArrayList<>();
            for (int i = 0, j = 0; i < x.size() && j < y.size(); ) {
                if (x.get(i).equals(y.get(j))) {
                    matched.add(new int[] {i++, j++});
                } else if (t[i + 1][j] >= t[i][j + 1]) {
                    i++;
                } else {
                    j++;
                }
            }
            return new Alignment(x, y, matched);
        }

        int common() {
            return matched.size();
        }

        /** The words of x (or y) outside the common sequence, in order. */
        List<String> rest(boolean ofX) {
            List<String> words = ofX ? x : y;
            boolean[] in = new boolean[words.size()];
            matched.forEach(m -> in[ofX ? m[0] : m[1]] = true);
            List<String> out = new ArrayList<>();
            for (int i = 0; i < words.size(); i++) {
                if (!in[i]) {
                    out.add(words.get(i));
                }
            }
            return out;
        }

        /**
         * The two texts with the data they share taken out: each run of at least {@value SemanticMatch#DATA_RUN}
         * words the two have in the same order becomes {@code TEXT}, so "Extract the customer's city
         * from this note: &lt;note&gt;" and "In which city does the customer live, according to this
         * note? Note: &lt;note&gt;" compare as "extract the customer's city from this note TEXT" and "in
         * which city does the customer live according to this note note TEXT". Embedded as what it
         * asks of its data, an instruction keeps the words around what differs, which fragments lose
         * ("extract" / "in which ... live"). Null when the texts share no such run.
         */
        String[] instructions() {
            boolean[] dataX = new boolean[x.size()];
            boolean[] dataY = new boolean[y.size()];
            boolean any = false;
            for (int start = 0; start < matched.size(); ) {
                int end = start;
                while (end + 1 < matched.size()
                        && matched.get(end + 1)[0] == matched.get(end)[0] + 1
                        && matched.get(end + 1)[1] == matched.get(end)[1] + 1) {
                    end++;
                }
                if (end - start + 1 >= DATA_RUN) {
                    any = true;
                    for (int m = start; m <= end; m++) {
                        dataX[matched.get(m)[0]] = true;
                        dataY[matched.get(m)[1]] = true;
                    }
                }
                start = end + 1;
            }
            return any ? new String[] {withoutData(x, dataX), withoutData(y, dataY)} : null;
        }

        private static String withoutData(List<String> words, boolean[] data) {
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < words.size(); i++) {
                if (!data[i]) {
                    out.append(out.isEmpty() ? "" : " ").append(words.get(i));
                } else if (i == 0 || !data[i - 1]) {
                    out.append(out.isEmpty() ? "" : " ").append("TEXT");
                }
            }
            return out.toString();
        }
    }

    /**
     * The text with what names a particular thing replaced by "it": the words the guard takes for
     * names and those with a digit (numbers, codes), which it requires to be equal. Two short texts
     * about the same order or person are alike as wholes because of it, whatever they ask about it.
     */
    static String masked(String text) {
        StringBuilder out = new StringBuilder(text.length());
        int[] copied = {0};
        SemanticGuard.forEachWord(text, (token, end, sentenceStart) -> {
            String raw = SemanticGuard.withoutTrailingStop(token);
            if (raw.chars().anyMatch(Character::isDigit) || SemanticGuard.isName(raw, sentenceStart)) {
                int start = end - token.length();
                out.append(text, copied[0], start).append("it");
                copied[0] = start + raw.length();
            }
        });
        return out.append(text, copied[0], text.length()).toString().replaceAll("\\bit( it)+\\b", "it");
    }

    /**
     * The text with each word the other text also has (in any inflection, {@link SemanticGuard#roots})
     * replaced by "it", but for {@link #FUNCTION_WORDS}: what the text asks of the thing the two share.
     */
    static String sharedMasked(String text, String other) {
        Set<String> theirs = SemanticGuard.roots(new java.util.TreeSet<>(words(other)));
        StringBuilder out = new StringBuilder();
        for (String word : words(text)) {
            boolean shared = !FUNCTION_WORDS.contains(word)
                    && SemanticGuard.roots(Set.of(word)).stream().anyMatch(theirs::contains);
            out.append(out.isEmpty() ? "" : " ").append(shared ? "it" : word);
        }
        return out.toString().replaceAll("\\bit( it)+\\b", "it");
    }

    static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        for (String w : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}$']+")) {
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        return out;
    }
}
