package dev.sluice.router.semantic;

import dev.langchain4j.model.embedding.onnx.bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel;

/** bge-small-en-v1.5 (384 dimensions, quantized) in this process, like {@link MiniLmEmbedder}. */
public final class BgeSmallEmbedder implements Embedder {
    public static final String ID = "bge-small-en-v1.5-q";

    private static final class Holder {
        static final BgeSmallEnV15QuantizedEmbeddingModel MODEL = new BgeSmallEnV15QuantizedEmbeddingModel();
        /** langchain4j averages pieces of 510 word pieces; one piece is read whole. */
        static final TokenWindow WINDOW =
                new TokenWindow(BgeSmallEnV15QuantizedEmbeddingModel.class, "/bge-small-en-v1.5-q-tokenizer.json", 512);
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public double residualThreshold() {
        return 0.85;
    }

    /** Not tuned: bge-small spreads scores high, so its residual threshold stands in (comparison only). */
    @Override
    public double instructionThreshold() {
        return 0.85;
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
