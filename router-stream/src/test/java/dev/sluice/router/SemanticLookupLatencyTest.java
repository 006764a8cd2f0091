package dev.sluice.router;

import static dev.sluice.router.RouterHarness.build;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.model.CacheHit;
import dev.sluice.model.LlmResult;
import dev.sluice.model.Message;
import dev.sluice.model.Tier;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The semantic cache filled with every text of the committed eval files, in the router: what it
 * answers wrongly, and what a lookup costs. Every first text is asked and answered (the fill),
 * then every second text, each answered in turn, so every request that became a job is an entry
 * the next can match, as in a running cache; the same for a tenant with the semantic cache off.
 *
 * <p>A request answered from its own pair's entry is a paraphrase hit, or a false hit when the pair
 * is a negative (none allowed). A request answered from any other entry, in either phase, is
 * looked up in filled-cache-judgements.tsv, a judgement made by reading the two texts: listed as
 * "same" it is a right answer; listed as "different", or not listed, a wrong one. Wrong answers
 * may be at most 0.5 % of the semantic lookups; paraphrase hits must stay above a floor, so that
 * a matcher that answers nothing cannot pass. Prints the time to decide each second text (enrich
 * and decide, embedding included) in the topology test driver, p50 / p99: figures for
 * docs/benchmarks.md, not an assertion.
 */
class SemanticLookupLatencyTest {
    private static final String[] FILES = {"eval-pairs.tsv", "eval-pairs-holdout.tsv", "eval-pairs-blind.tsv"};
    /** Paraphrases answered from their pair's entry: 215 of 401 when the judgement file was written. */
    private static final int PARAPHRASE_HIT_FLOOR = 200;

    private static final double MAX_WRONG_SHARE = 0.005;

    private final RouterHarness h = new RouterHarness(Duration.ofHours(24), Duration.ofMinutes(2));

    @AfterEach
    void close() {
        h.close();
    }

    private static List<String[]> rows(String file) throws IOException {
        List<String[]> out = new ArrayList<>();
        try (InputStream in = SemanticLookupLatencyTest.class.getResourceAsStream("/semantic/" + file)) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    out.add(line.split("\t"));
                }
            }
        }
        return out;
    }

    /** "request TAB entry" to whether the entry's answer answers the request too. */
    private static Map<String, Boolean> judgements() throws IOException {
        Map<String, Boolean> out = new HashMap<>();
        for (String[] row : rows("filled-cache-judgements.tsv")) {
            if (!row[0].equals("same") && !row[0].equals("different")) {
                throw new IllegalStateException("a judgement is 'same' or 'different', not " + row[0]);
            }
            out.put(row[1] + "\t" + row[2], row[0].equals("same"));
        }
        return out;
    }

    /** What one tenant's semantic cache answered, counted by how it answered. */
    private static final class Tally {
        int lookups;
        int paraphraseHits;
        int falseHits;
        final List<String> right = new ArrayList<>();
        final List<String> wrong = new ArrayList<>();
        final List<String> unjudged = new ArrayList<>();

        /** A semantic answer to a request whose own pair is {@code pair} (null in the fill: it has none). */
        void answered(String request, String entry, String[] pair, Map<String, Boolean> judged) {
            if (pair != null && entry.equals(pair[1])) {
                paraphraseHits += pair[0].equals("paraphrase") ? 1 : 0;
                falseHits += pair[0].equals("paraphrase") ? 0 : 1;
                return;
            }
            Boolean same = judged.get(request + "\t" + entry);
            String line = (pair == null ? "fill" : "asked") + "\t" + request + "\t" + entry;
            (same == null ? unjudged : same ? right : wrong).add(line);
        }

        int wrongAnswers() {
            return wrong.size() + unjudged.size();
        }
    }

    @Test
    void shouldAnswerAlmostNoRequestOfAFilledCacheFromAnotherRequestsEntryWrongly() throws IOException {
        h.tenant(SemanticCacheTest.semantic("on", true, 3600, Tier.SMALL))
                .tenant(SemanticCacheTest.semantic("off", false, 3600, Tier.SMALL));
        List<String[]> pairs = new ArrayList<>();
        for (String file : FILES) {
            pairs.addAll(rows(file));
        }
        Map<String, Boolean> judged = judgements();
        Set<String> originals = new LinkedHashSet<>();
        pairs.forEach(p -> originals.add(p[1]));
        Map<String, Tally> tallies = new HashMap<>();
        for (String tenant : List.of("on", "off")) {
            Tally tally = tallies.computeIfAbsent(tenant, t -> new Tally());
            int n = 0;
            for (String text : originals) {
                ask(tenant + "-a" + n++, tenant, text, null, tally, judged);
            }
        }
        for (String tenant : List.of("on", "off")) {
            Tally tally = tallies.get(tenant);
            long[] nanos = new long[pairs.size()];
            for (int i = 0; i < pairs.size(); i++) {
                String[] pair = pairs.get(i);
                nanos[i] = ask(tenant + "-b" + i, tenant, pair[2], pair, tally, judged);
            }
            Arrays.sort(nanos);
            System.out.printf(
                    Locale.ROOT,
                    "semantic lookup, tenant %-3s: %d + %d requests, %d semantic lookups;"
                            + " paraphrases with their pair's answer %d, negatives with their pair's answer %d; from another"
                            + " entry: %d right, %d wrong, %d unjudged (%.2f %% of lookups wrong); decide p50 %.2f ms, p99 %.2f"
                            + " ms, max %.2f ms%n",
                    tenant,
                    originals.size(),
                    pairs.size(),
                    tally.lookups,
                    tally.paraphraseHits,
                    tally.falseHits,
                    tally.right.size(),
                    tally.wrong.size(),
                    tally.unjudged.size(),
                    100.0 * tally.wrongAnswers() / Math.max(1, tally.lookups),
                    nanos[nanos.length / 2] / 1e6,
                    nanos[(int) Math.ceil(nanos.length * 0.99) - 1] / 1e6,
                    nanos[nanos.length - 1] / 1e6);
            tally.right.forEach(l -> System.out.println("  right\t" + l));
            tally.wrong.forEach(l -> System.out.println("  wrong\t" + l));
            tally.unjudged.forEach(l -> System.out.println(
                    "  unjudged (counted wrong; judge it in" + " filled-cache-judgements.tsv)\t" + l));
        }
        Tally on = tallies.get("on");
        Tally off = tallies.get("off");
        assertThat(on.falseHits)
                .as("negatives answered with their pair's answer")
                .isZero();
        assertThat(on.paraphraseHits)
                .as("paraphrases answered with their pair's answer")
                .isGreaterThanOrEqualTo(PARAPHRASE_HIT_FLOOR);
        assertThat((double) on.wrongAnswers() / on.lookups)
                .as("answered wrongly from another entry: %s, unjudged: %s", on.wrong, on.unjudged)
                .isLessThanOrEqualTo(MAX_WRONG_SHARE);
        assertThat(off.paraphraseHits + off.right.size() + off.wrongAnswers())
                .as("tenant without the semantic cache")
                .isZero();
    }

    /**
     * Sends one request and answers the job it became with "answer to " + its text, so that a
     * semantic answer names the entry it came from; returns how long the router took to decide it.
     */
    private long ask(String id, String tenant, String text, String[] pair, Tally tally, Map<String, Boolean> judged) {
        long start = System.nanoTime();
        h.send(build(id, tenant)
                .messages(Message.system("You answer customers."), Message.user(text))
                .temperature(0.0)
                .done());
        long nanos = System.nanoTime() - start;
        h.jobs().forEach(job -> h.result(RouterHarness.succeeded(job, "answer to " + text, 10)));
        boolean exact = false;
        for (LlmResult r : h.completions()) {
            exact |= r.cacheHit() == CacheHit.EXACT;
            if (r.cacheHit() == CacheHit.SEMANTIC) {
                tally.answered(text, r.output().substring("answer to ".length()), pair, judged);
            }
        }
        tally.lookups += exact || tenant.equals("off") ? 0 : 1;
        return nanos;
    }
}
