package dev.sluice.router.semantic;

import java.util.function.Supplier;

/**
 * The router instance's embedding model and matcher, shared by its tasks, and the threads that
 * embed requests ahead of them ({@link EmbedAhead}, when started). The model is loaded on the first
 * request of a tenant that has the semantic cache on, so an instance whose tenants do not use it
 * never loads it and pays nothing for it.
 */
public final class SemanticCache implements AutoCloseable {
    /**
     * Longer task texts are left to the exact cache without asking the model's tokenizer: no
     * in-process model here reads more than 512 word pieces, and each takes at least one character.
     */
    public static final int MAX_TEXT_CHARS = 2_000;

    private final Supplier<Embedder> load;
    private volatile Embedder embedder;
    private volatile SemanticMatch match;
    private volatile EmbedAhead ahead;

    public SemanticCache(Supplier<Embedder> load) {
        this.load = load;
    }

    /** The in-process all-MiniLM-L6-v2. */
    public static SemanticCache inProcess() {
        return new SemanticCache(MiniLmEmbedder::new);
    }

    private Embedder embedder() {
        Embedder e = embedder;
        if (e == null) {
            synchronized (this) {
                if (embedder == null) {
                    Embedder loaded = load.get();
                    match = new SemanticMatch(loaded);
                    embedder = loaded;
                }
                e = embedder;
            }
        }
        return e;
    }

    /** The embedding model's name, part of every scope: another model's vectors are never compared. */
    public String modelId() {
        return embedder().id();
    }

    /**
     * Starts {@code threads} threads that embed requests ahead of the stream threads; with 0, every
     * request is embedded on the stream thread that decides for it.
     */
    public SemanticCache embeddingAhead(int threads) {
        if (threads > 0 && ahead == null) {
            ahead = new EmbedAhead(this, threads);
        }
        return this;
    }

    /** The embed-ahead threads, or null when requests are embedded where they are decided. */
    public EmbedAhead ahead() {
        return ahead;
    }

    /** A text's embedding, its vector null when the model would not read all of it (see {@link Embedder#fits}). */
    public EmbedAhead.Embedding embed(String text) {
        Embedder e = embedder();
        long start = System.nanoTime();
        float[] vector = text.length() > MAX_TEXT_CHARS || !e.fits(text) ? null : e.embed(text);
        return new EmbedAhead.Embedding(text, vector, System.nanoTime() - start);
    }

    /**
     * A request's side of a lookup, from its task text's embedding, or null when the model would not
     * read all of it; the caller has checked that the tenant uses the cache. {@code waitedNanos} is
     * how long the deciding thread spent on the embedding (making it, or waiting for it), {@code ahead}
     * whether {@link EmbedAhead} made it.
     */
    public SemanticQuery query(String tenantId, String scope, double threshold, EmbedAhead.Embedding embedding,
            long waitedNanos, boolean ahead) {
        if (embedding.vector() == null) {
            return null;
        }
        return new SemanticQuery(tenantId, scope, embedding.text(), embedding.vector(), threshold, waitedNanos, ahead);
    }

    /** Embeds a request's task text on this thread and makes its side of a lookup (see above). */
    public SemanticQuery query(String tenantId, String scope, String text, double threshold) {
        EmbedAhead.Embedding e = embed(text);
        return query(tenantId, scope, threshold, e, e.nanos(), false);
    }

    SemanticMatch match() {
        embedder();
        return match;
    }

    @Override
    public void close() {
        EmbedAhead a = ahead;
        if (a != null) {
            a.close();
        }
    }
}
