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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the semantic cache costs a request in the router, and what it costs a tenant that does not
 * use it, in one run: every text of the committed eval files is answered once for a tenant with
 * the semantic cache on, then every paraphrase is asked, and the same for a tenant with it off.
 * Prints the time to decide each request (enrich and decide, embedding included) in the topology
 * test driver, p50 / p99, per tenant: figures for docs/benchmarks.md, not an assertion.
 */
class SemanticLookupLatencyTest {
    private final RouterHarness h = new RouterHarness(Duration.ofHours(24), Duration.ofMinutes(2));

    @AfterEach
    void close() {
        h.close();
    }

    private static List<String[]> pairs() throws IOException {
        List<String[]> out = new ArrayList<>();
        for (String file : List.of("eval-pairs.tsv", "eval-pairs-holdout.tsv", "eval-pairs-blind.tsv")) {
            try (InputStream in = SemanticLookupLatencyTest.class.getResourceAsStream("/semantic/" + file)) {
                for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                    if (!line.isBlank() && !line.startsWith("#")) {
                        out.add(line.split("\t"));
                    }
                }
            }
        }
        return out;
    }

    @Test
    void shouldPrintWhatASemanticLookupCostsAndWhatATenantWithoutItPays() throws IOException {
        h.tenant(SemanticCacheTest.semantic("on", true, 3600, Tier.SMALL))
                .tenant(SemanticCacheTest.semantic("off", false, 3600, Tier.SMALL));
        List<String[]> pairs = pairs();
        Set<String> originals = new LinkedHashSet<>();
        pairs.forEach(p -> originals.add(p[1]));
        for (String tenant : List.of("on", "off")) {
            int n = 0;
            for (String text : originals) {
                send(tenant + "-a" + n++, tenant, text);
                // Some originals mean the same as an earlier one and are answered without a job.
                h.jobs().forEach(job -> h.result(RouterHarness.succeeded(job, "answer to " + text, 10)));
            }
        }
        h.completions();
        for (String tenant : List.of("on", "off")) {
            long[] nanos = new long[pairs.size()];
            int paraphraseHits = 0;
            int falseHits = 0;
            int otherHits = 0;
            for (int i = 0; i < pairs.size(); i++) {
                String[] pair = pairs.get(i);
                long start = System.nanoTime();
                send(tenant + "-b" + i, tenant, pair[2]);
                nanos[i] = System.nanoTime() - start;
                h.jobs();
                for (LlmResult r : h.completions()) {
                    if (r.cacheHit() != CacheHit.SEMANTIC) {
                        continue;
                    }
                    boolean own = r.output().equals("answer to " + pair[1]);
                    paraphraseHits += own && pair[0].equals("paraphrase") ? 1 : 0;
                    falseHits += own && !pair[0].equals("paraphrase") ? 1 : 0;
                    otherHits += own ? 0 : 1;
                    if (!own && otherHits <= 40) {
                        System.out.printf("  %s (%s) answered with: %s%n", pair[2], pair[0], r.output());
                    }
                }
            }
            Arrays.sort(nanos);
            System.out.printf(Locale.ROOT, "semantic lookup, tenant %-3s: %d entries, %d requests, semantic hits: %d"
                    + " paraphrases with their pair's answer, %d negatives with their pair's answer, %d with another"
                    + " entry's; decide p50 %.2f ms, p99 %.2f ms, max %.2f ms%n", tenant, originals.size(),
                    pairs.size(), paraphraseHits, falseHits, otherHits, nanos[nanos.length / 2] / 1e6,
                    nanos[(int) Math.ceil(nanos.length * 0.99) - 1] / 1e6, nanos[nanos.length - 1] / 1e6);
            assertThat(falseHits).as("negatives answered with their pair's answer").isZero();
            assertThat(paraphraseHits).as("tenant %s", tenant).matches(n -> tenant.equals("on") ? n > 0 : n == 0);
        }
    }

    private void send(String id, String tenant, String text) {
        h.send(build(id, tenant).messages(Message.system("You answer customers."), Message.user(text))
                .temperature(0.0).done());
    }
}
