package dev.sluice.runtime.tokens;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.sluice.model.Message;
import java.util.List;

/**
 * Token counts with the o200k_base encoding, which OpenAI's gpt-4o, gpt-4.1 and gpt-5 families use.
 * For Claude models it is an estimate: no local tokenizer exists for them.
 *
 * <p>Text counts as ordinary text: special-token strings such as {@code <|endoftext|>} in a
 * prompt are text to count, as a provider counts them in user content, never an error. The text
 * is split into o200k pieces by {@link O200kSplitter} and each piece is counted by jtokkit's
 * byte-pair encoder; short pieces' counts are remembered, since words repeat. The result equals
 * {@code countTokensOrdinary} over the whole text (TokenCounterTest compares them).
 */
public final class TokenCounter {
    /** Per-message overhead of the chat format, and the reply priming, per OpenAI's cookbook. */
    public static final int PER_MESSAGE = 3;

    public static final int REPLY_PRIMING = 3;

    // The lazy registry builds only the encoding asked for; the default one builds all four
    // (seconds of CPU on a small machine).
    private static final Encoding O200K = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

    private TokenCounter() {}

    /**
     * Builds the vocabulary now. Services call it at start so that the first request does not
     * wait while the o200k tables are built.
     */
    public static void load() {
        count("warm");
    }

    /** Pieces up to this many characters have their counts remembered, up to {@link #CACHE_LIMIT} of them. */
    private static final int CACHEABLE_PIECE = 24;

    private static final int CACHE_LIMIT = 200_000;
    private static final java.util.concurrent.ConcurrentHashMap<String, Integer> PIECES =
            new java.util.concurrent.ConcurrentHashMap<>();

    public static int count(String text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        int[] total = {0};
        O200kSplitter.split(text, (t, start, end) -> total[0] += piece(t.substring(start, end)));
        return total[0];
    }

    private static int piece(String piece) {
        if (piece.length() > CACHEABLE_PIECE) {
            return O200K.countTokensOrdinary(piece);
        }
        Integer known = PIECES.get(piece);
        if (known != null) {
            return known;
        }
        int tokens = O200K.countTokensOrdinary(piece);
        if (PIECES.size() < CACHE_LIMIT) {
            PIECES.put(piece, tokens);
        }
        return tokens;
    }

    /** jtokkit's own count over the whole text, for tests that compare. */
    static int countWholeText(String text) {
        return O200K.countTokensOrdinary(text);
    }

    /** Input tokens of a chat: each message's content plus the format overhead. */
    public static int chatTokens(List<Message> messages) {
        int total = REPLY_PRIMING;
        for (Message m : messages) {
            total += PER_MESSAGE + count(m.content());
        }
        return total;
    }
}
