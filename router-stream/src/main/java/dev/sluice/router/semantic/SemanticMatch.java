package dev.sluice.router.semantic;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Whether a new request may take a cached answer to an earlier one of the same tenant, model chain
 * and parameters. Three checks, all of which must pass:
 * <ol>
 *   <li>the two texts' cosine reaches the tenant's threshold;</li>
 *   <li>{@link SemanticGuard} finds nothing that makes them ask for different things (negation,
 *       numbers, dates, names, opposites);</li>
 *   <li>where the two share most of their words, what differs between them must mean the same:
 *       the words outside their longest common word sequence are embedded on their own and must
 *       reach the model's {@link Embedder#residualThreshold()}. Shared data dominates a whole-text embedding, so
 *       "Summarise this review: …" and "Translate this review: …" of one long review are close
 *       as wholes; their differences, "Summarise" and "Translate", are not.</li>
 * </ol>
 * False hits are worse than misses: the thresholds are set from the committed eval sets to keep
 * false hits at or under 0.5 % (docs/benchmarks.md).
 */
public final class SemanticMatch {
    public static final double DEFAULT_THRESHOLD = 0.75;
    /** Below this share of words in common, the texts are compared as wholes only. */
    static final double SHARED_SHARE = 0.5;

    private final Embedder embedder;
    private final SemanticGuard guard = new SemanticGuard();

    public SemanticMatch(Embedder embedder) {
        this.embedder = embedder;
    }

    /** A hit, or why not: {@code below threshold}, {@code different in what differs}, or the guard's reason. */
    public record Verdict(boolean hit, double similarity, String refusal) {
    }

    public Verdict judge(String query, float[] queryVector, String cached, float[] cachedVector, double threshold) {
        double similarity = Embedder.cosine(queryVector, cachedVector);
        if (similarity < threshold) {
            return new Verdict(false, similarity, "below threshold");
        }
        String conflict = guard.conflict(query, cached);
        if (conflict != null) {
            return new Verdict(false, similarity, conflict);
        }
        if (!residualsAgree(query, cached)) {
            return new Verdict(false, similarity, "different in what differs");
        }
        return new Verdict(true, similarity, null);
    }

    private boolean residualsAgree(String a, String b) {
        List<String> x = words(a);
        List<String> y = words(b);
        int common = lcs(x, y, null, null);
        if (common < SHARED_SHARE * Math.max(x.size(), y.size())) {
            return true;
        }
        List<String> restX = new ArrayList<>();
        List<String> restY = new ArrayList<>();
        lcs(x, y, restX, restY);
        if (restX.isEmpty() && restY.isEmpty()) {
            return true;
        }
        if (restX.isEmpty() || restY.isEmpty()) {
            return false; // one asks for more than the other
        }
        return Embedder.cosine(embedder.embed(String.join(" ", restX)), embedder.embed(String.join(" ", restY)))
                >= embedder.residualThreshold();
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

    /** Length of the longest common word sequence; with lists given, the words of each outside it. */
    static int lcs(List<String> x, List<String> y, List<String> restX, List<String> restY) {
        int[][] t = new int[x.size() + 1][y.size() + 1];
        for (int i = x.size() - 1; i >= 0; i--) {
            for (int j = y.size() - 1; j >= 0; j--) {
                t[i][j] = x.get(i).equals(y.get(j)) ? t[i + 1][j + 1] + 1 : Math.max(t[i + 1][j], t[i][j + 1]);
            }
        }
        if (restX != null) {
            int i = 0;
            int j = 0;
            while (i < x.size() && j < y.size()) {
                if (x.get(i).equals(y.get(j))) {
                    i++;
                    j++;
                } else if (t[i + 1][j] >= t[i][j + 1]) {
                    restX.add(x.get(i++));
                } else {
                    restY.add(y.get(j++));
                }
            }
            restX.addAll(x.subList(i, x.size()));
            restY.addAll(y.subList(j, y.size()));
        }
        return t[0][0];
    }
}
