package dev.sluice.router.semantic;

/**
 * Turns a text into a unit-length vector whose cosine with another text's says how alike they
 * mean. In-process by default ({@link MiniLmEmbedder}); behind this interface a tenant may use a
 * provider's embeddings endpoint instead. {@link #id()} names the model: vectors of different
 * models are never compared, and a cache entry made by another model does not count.
 */
public interface Embedder {
    String id();

    float[] embed(String text);

    /**
     * Whether the model reads all of the text. One that reads only a text's beginning would call
     * two texts the same that differ after it; those are never compared (true for a model
     * without such a limit).
     */
    default boolean fits(String text) {
        return true;
    }

    /**
     * The cosine two texts' differing words must reach ({@link SemanticMatch}): models spread
     * short fragments differently (bge-small rates most pairs of fragments above 0.8).
     */
    default double residualThreshold() {
        return 0.70;
    }

    /**
     * The cosine two texts must reach in what they ask once what they are about is taken out: their
     * instructions without their shared data ({@link SemanticMatch#instructions}), or short texts
     * without the things they name ({@link SemanticMatch#masked}).
     */
    default double instructionThreshold() {
        return 0.70;
    }

    /** Cosine of two unit vectors: their dot product. */
    static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("vectors of " + a.length + " and " + b.length + " dimensions");
        }
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
        }
        return dot;
    }
}
