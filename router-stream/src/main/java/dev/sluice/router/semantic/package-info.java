/**
 * The semantic cache (docs/adr/0018-semantic-cache.md): {@link dev.sluice.router.semantic.SemanticCache}
 * holds the embedding model ({@link dev.sluice.router.semantic.MiniLmEmbedder}, all-MiniLM-L6-v2
 * run in process; bge-small-en-v1.5 to compare; {@link dev.sluice.router.semantic.OpenAiEmbedder} for an
 * OpenAI-compatible embeddings endpoint, chosen per tenant by {@code cache.semanticEmbedder}), each
 * loaded on first use; {@link dev.sluice.router.semantic.EmbedAhead} embeds requests ahead of the
 * stream threads;
 * {@link dev.sluice.router.semantic.SemanticIndex} is one router task's entries (an expiring store
 * with a changelog, indexed in memory by scope) and its lookups; {@link dev.sluice.router.semantic.SemanticMatch}
 * and {@link dev.sluice.router.semantic.SemanticGuard} decide whether two texts may share an answer.
 * {@code SemanticEvalTest} measures them on three committed eval files (tuning, held out, blind),
 * whose figures, and what each was when it was still blind, are in docs/benchmarks.md.
 */
package dev.sluice.router.semantic;
