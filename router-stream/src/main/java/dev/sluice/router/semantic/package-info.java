/**
 * The semantic cache's matching, issue 14 part 3, <b>not yet wired into the router</b>: an
 * {@link dev.sluice.router.semantic.Embedder} run in process (all-MiniLM-L6-v2 by default,
 * bge-small-en-v1.5 to compare), {@link dev.sluice.router.semantic.SemanticGuard} for what
 * embeddings miss (negation, numbers, dates, names, opposites), and
 * {@link dev.sluice.router.semantic.SemanticMatch}, which also compares what differs between two
 * texts that share most of their words. {@code SemanticEvalTest} measures it on two committed eval
 * files with MiniLM at the default threshold 0.75: eval-pairs.tsv, which the rules were tuned on
 * (164 paraphrases, 327 negatives: negations, opposites, numbers, dates, names, another task on
 * the same text, another question on the same topic, unrelated), and eval-pairs-holdout.tsv, from
 * other templates and domains (HR, travel, banking, IT support, cooking) written before tuning (106
 * paraphrases, 204 negatives).
 * <ul>
 *   <li>tuning file: 61.0 % of paraphrases hit (47.0 % before the guard compared numbers, periods,
 *       negations and opposites by meaning rather than spelling), 0 false hits of 327;</li>
 *   <li>held-out file: 41.5 % of paraphrases (37.7 % before), 0 false hits of 204 (5 before:
 *       lend / borrow, thicker / thinner, second / third; the fixes for these were written after
 *       seeing them, so the held-out figure for those kinds is no longer blind);</li>
 *   <li>both: 53.3 % of 270 paraphrases, 0 of 531 negatives. Issue 14 aims at 60 %.</li>
 * </ul>
 * The whole-text similarity alone passes 87-99 % of paraphrases but also 40-100 % of most kinds
 * of negative. What refuses most paraphrases now (103 of 126) is the residual check: embedded as
 * fragments, synonyms ("book" / "reserve", "extract" / "find") are no closer than words of one
 * kind ("delivery" / "billing", "pros" / "cons"), so no residual threshold separates them; the
 * next step is lexical knowledge of synonymy (e.g. WordNet, which ships on Maven Central) or a
 * cross-encoder. 14 held-out paraphrases are below the threshold as wholes (model limit). Still
 * to build: the tenant-partitioned store on Kafka with TTL and invalidation, the lookup off the
 * decide thread, and a better discriminator for the recall.
 */
package dev.sluice.router.semantic;
