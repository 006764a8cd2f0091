package dev.sluice.router.semantic;

import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;

/**
 * all-MiniLM-L6-v2 (384 dimensions, quantized) run in this process by ONNX Runtime, from the model
 * and tokenizer inside its Maven Central artifact: no network, no service. Loading takes under a
 * second and is done once, on first use; a short sentence then takes a few milliseconds on one
 * core. Vectors come out normalised to unit length.
 */
public final class MiniLmEmbedder implements Embedder {
    public static final String ID = "all-minilm-l6-v2-q";

    private static final class Holder {
        static final AllMiniLmL6V2QuantizedEmbeddingModel MODEL = new AllMiniLmL6V2QuantizedEmbeddingModel();
        /** Its tokenizer.json truncates at 128 word pieces. */
        static final TokenWindow WINDOW =
                new TokenWindow(AllMiniLmL6V2QuantizedEmbeddingModel.class, "/all-minilm-l6-v2-q-tokenizer.json", 128);
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public boolean fits(String text) {
        return Holder.WINDOW.fits(text);
    }

    @Override
    public float[] embed(String text) {
        return Holder.MODEL.embed(text).content().vector();
    }
}
