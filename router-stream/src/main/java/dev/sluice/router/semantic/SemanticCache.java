package dev.sluice.router.semantic;

import java.util.function.Supplier;

/**
 * The router instance's embedding model and matcher, shared by its tasks. The model is loaded
 * on the first request of a tenant that has the semantic cache on, so an instance whose tenants
 * do not use it never loads it and pays nothing for it.
 */
public final class SemanticCache {
    /**
     * Longer task texts are left to the exact cache without asking the model's tokenizer: no
     * in-process model here reads more than 512 word pieces, and each takes at least one character.
     */
    public static final int MAX_TEXT_CHARS = 2_000;

    private final Supplier<Embedder> load;
    private volatile Embedder embedder;
    private volatile SemanticMatch match;

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
     * Embeds a request's task text, or null when the model would not read all of it (see
     * {@link Embedder#fits}); the caller has checked that the tenant uses the cache.
     */
    public SemanticQuery query(String tenantId, String scope, String text, double threshold) {
        Embedder e = embedder();
        long start = System.nanoTime();
        if (text.length() > MAX_TEXT_CHARS || !e.fits(text)) {
            return null;
        }
        float[] vector = e.embed(text);
        return new SemanticQuery(tenantId, scope, text, vector, threshold, System.nanoTime() - start);
    }

    SemanticMatch match() {
        embedder();
        return match;
    }
}
