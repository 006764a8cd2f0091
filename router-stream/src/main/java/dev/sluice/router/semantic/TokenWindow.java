package dev.sluice.router.semantic;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * How many word pieces an in-process model reads, counted with the model's own tokenizer. A text
 * longer than that is embedded by its beginning alone (all-MiniLM-L6-v2's tokenizer truncates at
 * 128, [CLS] and [SEP] included), so two texts that differ only after it would look identical:
 * such texts are left to the exact cache.
 */
final class TokenWindow {
    private final HuggingFaceTokenizer tokenizer;
    private final int window;

    /** The tokenizer file inside the model's jar, next to {@code owner}; counted without truncation. */
    TokenWindow(Class<?> owner, String resource, int window) {
        try (InputStream in = owner.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the model's jar");
            }
            this.tokenizer = HuggingFaceTokenizer.newInstance(in, Map.of("truncation", "false", "padding", "false"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the tokenizer " + resource, e);
        }
        this.window = window;
    }

    boolean fits(String text) {
        return tokenizer.encode(text, true, false).getIds().length <= window;
    }
}
