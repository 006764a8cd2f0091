package dev.sluice.router.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The semantic match on the committed eval pairs, with the in-process model, at the default
 * threshold: pairs that ask for something else (negations, opposites, other numbers, dates or names,
 * another task on the same text, another question on the same topic) may hit at most 0.5 % of the
 * time, and issue 14 aims at 60 % of paraphrases hitting. Three files: eval-pairs.tsv, which the
 * rules were first tuned on; eval-pairs-holdout.tsv, written from other templates and domains
 * before the next round of tuning; eval-pairs-blind.tsv, written by someone who had not read the
 * matcher. Each was blind once and has been looked at since (docs/benchmarks.md gives the figures
 * each had when it was still blind). Asserted on their union: at most 0.5 % false hits, and the 55 %
 * of paraphrases this design reaches rather than the 60 % issue 14 aims at: the rules that would
 * reach it also answer short questions with the answer of another that names the same thing
 * (SemanticLookupLatencyTest shows those, in a filled cache). Prints each file's figures by kind, with and without the guard, each refused
 * paraphrase grouped by the reason, and a threshold sweep.
 */
class SemanticEvalTest {
    private static final List<String> FILES =
            List.of("eval-pairs.tsv", "eval-pairs-holdout.tsv", "eval-pairs-blind.tsv");

    private record Pair(String kind, String a, String b) {
        boolean paraphrase() {
            return kind.equals("paraphrase");
        }
    }

    private record Judged(Pair pair, SemanticMatch.Verdict verdict) {}

    static List<Pair> pairs(String file) throws IOException {
        List<Pair> pairs = new ArrayList<>();
        try (InputStream in = SemanticEvalTest.class.getResourceAsStream("/semantic/" + file)) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t");
                pairs.add(new Pair(f[0], f[1], f[2]));
            }
        }
        return pairs;
    }

    /** Judged at threshold 0, so that the sweep can apply any threshold to the same verdicts. */
    private static List<Judged> judge(Embedder embedder, SemanticMatch match, List<Pair> pairs) {
        List<Judged> judged = new ArrayList<>();
        for (Pair p : pairs) {
            float[] a = embedder.embed(p.a());
            float[] b = embedder.embed(p.b());
            judged.add(new Judged(p, match.judge(p.b(), b, p.a(), a, 0)));
        }
        return judged;
    }

    private static boolean hit(Judged j, double threshold) {
        return j.verdict().hit() && j.verdict().similarity() >= threshold;
    }

    private static void report(String file, List<Judged> judged) {
        double t = SemanticMatch.DEFAULT_THRESHOLD;
        Map<String, int[]> byKind = new TreeMap<>(); // pairs, hits, hits without the guard
        Map<String, List<String>> refusedParaphrases = new TreeMap<>();
        for (Judged j : judged) {
            int[] c = byKind.computeIfAbsent(j.pair().kind(), k -> new int[3]);
            c[0]++;
            c[1] += hit(j, t) ? 1 : 0;
            c[2] += j.verdict().similarity() >= t ? 1 : 0;
            if (j.pair().paraphrase() && !hit(j, t)) {
                String reason = j.verdict().similarity() < t
                        ? "below threshold"
                        : j.verdict().refusal();
                refusedParaphrases
                        .computeIfAbsent(reason, k -> new ArrayList<>())
                        .add(String.format(
                                Locale.ROOT,
                                "%.2f %s | %s",
                                j.verdict().similarity(),
                                j.pair().a(),
                                j.pair().b()));
            }
        }
        System.out.printf(Locale.ROOT, "semantic eval of %s at threshold %.2f%n", file, t);
        byKind.forEach((kind, c) -> System.out.printf(
                Locale.ROOT,
                "  %-11s %4d pairs  hits %3d = %5.1f %%  (%5.1f %%" + " without the guard)%n",
                kind,
                c[0],
                c[1],
                100.0 * c[1] / c[0],
                100.0 * c[2] / c[0]));
        for (double s = 0.60; s <= 0.951; s += 0.05) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  threshold %.2f:", s));
            for (String kind : byKind.keySet()) {
                double at = s;
                long hits = judged.stream()
                        .filter(j -> j.pair().kind().equals(kind) && hit(j, at))
                        .count();
                line.append(String.format(Locale.ROOT, " %s %.1f%%", kind, 100.0 * hits / byKind.get(kind)[0]));
            }
            System.out.println(line);
        }
        refusedParaphrases.forEach((reason, list) -> {
            System.out.printf(Locale.ROOT, "  refused paraphrases, %s: %d%n", reason, list.size());
            list.forEach(p -> System.out.println("    " + p));
        });
        judged.stream()
                .filter(j -> !j.pair().paraphrase() && hit(j, t))
                .forEach(j -> System.out.printf(
                        Locale.ROOT,
                        "  false hit %s %.2f: %s | %s%n",
                        j.pair().kind(),
                        j.verdict().similarity(),
                        j.pair().a(),
                        j.pair().b()));
    }

    @Test
    void shouldHitMostParaphrasesAndAlmostNothingThatAsksForSomethingElse() throws IOException {
        Embedder embedder =
                "bge".equals(System.getProperty("semantic.model")) ? new BgeSmallEmbedder() : new MiniLmEmbedder();
        SemanticMatch match = new SemanticMatch(embedder);
        System.out.println("semantic eval with " + embedder.id());
        List<Judged> all = new ArrayList<>();
        for (String file : FILES) {
            List<Judged> judged = judge(embedder, match, pairs(file));
            report(file, judged);
            all.addAll(judged);
        }

        double t = SemanticMatch.DEFAULT_THRESHOLD;
        long paraphrases = all.stream().filter(j -> j.pair().paraphrase()).count();
        long paraphraseHits =
                all.stream().filter(j -> j.pair().paraphrase() && hit(j, t)).count();
        List<String> falseHits = all.stream()
                .filter(j -> !j.pair().paraphrase() && hit(j, t))
                .map(j ->
                        j.pair().kind() + ": " + j.pair().a() + " | " + j.pair().b())
                .toList();
        long negatives = all.size() - paraphrases;
        System.out.printf(
                Locale.ROOT,
                "all files: paraphrase hits %d of %d = %.1f %%, false hits %d of %d = %.2f %%%n",
                paraphraseHits,
                paraphrases,
                100.0 * paraphraseHits / paraphrases,
                falseHits.size(),
                negatives,
                100.0 * falseHits.size() / negatives);
        assertThat((double) paraphraseHits / paraphrases)
                .as("paraphrase hit rate")
                .isGreaterThanOrEqualTo(0.55);
        assertThat((double) falseHits.size() / negatives)
                .as("false hits: " + falseHits)
                .isLessThanOrEqualTo(0.005);
    }
}
