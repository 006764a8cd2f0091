package dev.sluice.runtime.tokens;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.sluice.model.Message;
import java.util.List;

/**
 * Token counts with the o200k_base encoding, which OpenAI's gpt-4o, gpt-4.1 and gpt-5 families use.
 * For Claude models it is an estimate: no local tokenizer exists for them.
 */
public final class TokenCounter {
    /** Per-message overhead of the chat format, and the reply priming, per OpenAI's cookbook. */
    public static final int PER_MESSAGE = 3;
    public static final int REPLY_PRIMING = 3;

    // The lazy registry builds only the encoding asked for; the default one builds all four
    // (seconds of CPU on a small machine).
    private static final Encoding O200K = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

    private TokenCounter() {
    }

    /**
     * Builds the vocabulary now. Services call it at start so that the first request does not
     * wait while the o200k tables are built.
     */
    public static void load() {
        count("warm");
    }

    public static int count(String text) {
        return text == null || text.isEmpty() ? 0 : O200K.countTokens(text);
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
