package dev.sluice.sim;

import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;

/**
 * all-MiniLM-L6-v2 (quantized, 384 dimensions), the model the router embeds with in process, run
 * here by ONNX Runtime from its Maven Central artifact. Loaded on the first embeddings request
 * (under a second), so a simulator that never embeds never pays for it.
 */
final class MiniLm {

    static final int DIMENSIONS = 384;

    private MiniLm() {}

    private static final class Holder {
        static final AllMiniLmL6V2QuantizedEmbeddingModel MODEL = new AllMiniLmL6V2QuantizedEmbeddingModel();
    }

    /**
     * The text's vector cut to its first {@code dimensions} (all of them when 0) and scaled to
     * unit length, which is how OpenAI describes shortening a text-embedding-3 vector.
     */
    static float[] embed(String text, int dimensions) {
        float[] full = Holder.MODEL.embed(text).content().vector();
        int length = dimensions == 0 ? full.length : dimensions;
        double norm = 0;
        for (int i = 0; i < length; i++) {
            norm += (double) full[i] * full[i];
        }
        double scale = norm == 0 ? 0 : 1 / Math.sqrt(norm);
        float[] vector = new float[length];
        for (int i = 0; i < length; i++) {
            vector[i] = (float) (full[i] * scale);
        }
        return vector;
    }
}
