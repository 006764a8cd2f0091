package dev.sluice.sim;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;

/**
 * o200k_base token counts, the encoding of gpt-4o, gpt-4.1 and gpt-5. Claude's tokenizer is not
 * public, so Anthropic counts use the same encoding: close enough for budgets and load tests,
 * never equal to what the real API would bill.
 */
final class Tokens {

    // Building the encoding parses a large vocabulary; it is immutable and thread-safe, so once.
    private static final Encoding O200K = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

    private Tokens() {}

    static int count(String text) {
        return text == null || text.isEmpty() ? 0 : O200K.countTokensOrdinary(text);
    }

    static int[] encode(String text) {
        return text == null || text.isEmpty()
                ? new int[0]
                : O200K.encodeOrdinary(text).toArray();
    }

    /** The longest prefix of {@code text} whose own token count is at most {@code max}. */
    static String truncate(String text, int max) {
        IntArrayList all = O200K.encodeOrdinary(text);
        if (all.size() <= max) {
            return text;
        }
        // Re-encoding a cut prefix can merge differently from the original tokens, so shrink
        // until the prefix on its own fits: callers report count(prefix) as completion tokens.
        for (int keep = max; keep > 0; keep--) {
            IntArrayList head = new IntArrayList(keep);
            for (int i = 0; i < keep; i++) {
                head.add(all.get(i));
            }
            String prefix = O200K.decode(head);
            if (count(prefix) <= max && text.startsWith(prefix)) {
                return prefix;
            }
        }
        return "";
    }
}
