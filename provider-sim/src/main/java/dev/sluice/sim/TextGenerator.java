package dev.sluice.sim;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Deterministic model output. The text depends only on the canonical request parts the caller
 * passes in (model, messages, response format), hashed with SHA-256 so it is the same on every
 * JVM and every run; {@code java.util.Random}'s algorithm is fixed by its specification.
 */
final class TextGenerator {

    /**
     * In the last user message, makes an OpenAI chat completion ramble on until the request's
     * output cap (finish_reason {@code length}): how a test gets a model answer of megabytes.
     */
    static final String LONG_OUTPUT_MARKER = "[sim:long-output]";

    static final int MIN_TARGET_TOKENS = 20;
    static final int MAX_TARGET_TOKENS = 120;
    private static final int MAX_PIECE_CHARS = 16;

    private static final String[] WORDS = {
        "the",
        "a",
        "stream",
        "river",
        "sluice",
        "gate",
        "water",
        "flow",
        "record",
        "topic",
        "partition",
        "broker",
        "message",
        "batch",
        "window",
        "budget",
        "token",
        "model",
        "prompt",
        "answer",
        "quiet",
        "steady",
        "bright",
        "careful",
        "simple",
        "early",
        "late",
        "small",
        "large",
        "clear",
        "narrow",
        "wide",
        "patient",
        "eager",
        "distant",
        "nearby",
        "gentle",
        "runs",
        "holds",
        "carries",
        "measures",
        "counts",
        "waits",
        "moves",
        "turns",
        "opens",
        "closes",
        "guides",
        "keeps",
        "brings",
        "finds",
        "shapes",
        "marks",
        "follows",
        "returns",
        "through",
        "across",
        "under",
        "over",
        "beside",
        "toward",
        "within",
        "around",
        "after",
        "before",
        "and",
        "but",
        "while",
        "because",
        "so",
        "then",
        "every",
        "each",
        "some",
        "many",
        "few",
        "morning",
        "evening",
        "signal",
        "channel",
        "ledger",
        "harbor",
        "valley",
        "bridge",
        "lantern",
        "garden",
        "engine",
        "pattern",
        "journey",
        "question",
        "reason",
        "detail",
        "moment",
        "season",
        "mountain",
        "meadow",
        "current",
        "pebble",
        "harvest",
        "compass",
        "again",
        "slowly",
        "quickly",
        "softly",
        "surely",
        "always",
        "rarely",
        "often",
        "together",
    };

    private TextGenerator() {}

    /** A stable seed from request parts; length-prefixed so ("ab","c") ≠ ("a","bc"). */
    static long seed(List<String> parts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : parts) {
                byte[] bytes = (part == null ? "\u0000null" : part).getBytes(StandardCharsets.UTF_8);
                sha.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
                sha.update(bytes);
            }
            return ByteBuffer.wrap(sha.digest()).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    /** Readable pseudo-sentences whose length (20–120 tokens) is itself drawn from the seed. */
    static String prose(Random random) {
        int target = MIN_TARGET_TOKENS + random.nextInt(MAX_TARGET_TOKENS - MIN_TARGET_TOKENS + 1);
        StringBuilder text = new StringBuilder();
        // Summing per-sentence counts is within a token or two of counting the whole text and
        // avoids re-encoding it after every sentence; callers count the final text exactly.
        int tokens = 0;
        while (tokens < target) {
            String sentence = (text.isEmpty() ? "" : " ") + sentence(random);
            text.append(sentence);
            tokens += Tokens.count(sentence);
        }
        return text.toString();
    }

    /** Prose that goes on past {@code maxTokens} (the cap then cuts it), for {@link #LONG_OUTPUT_MARKER}. */
    static String rambling(Random random, int maxTokens) {
        StringBuilder text = new StringBuilder();
        // This vocabulary runs at about five characters a token (a word and its space): eight overshoot the cap.
        long chars = 8L * maxTokens + 64;
        while (text.length() < chars) {
            text.append(text.isEmpty() ? "" : " ").append(sentence(random));
        }
        return text.toString();
    }

    static String sentence(Random random) {
        int length = 5 + random.nextInt(9);
        StringBuilder sentence = new StringBuilder();
        for (int i = 0; i < length; i++) {
            String word = WORDS[random.nextInt(WORDS.length)];
            if (i == 0) {
                sentence.append(Character.toUpperCase(word.charAt(0))).append(word, 1, word.length());
            } else {
                sentence.append(i == length / 2 && random.nextInt(4) == 0 ? ", " : " ")
                        .append(word);
            }
        }
        return sentence.append('.').toString();
    }

    static String words(Random random, int min, int max) {
        int count = min + random.nextInt(max - min + 1);
        StringBuilder words = new StringBuilder();
        for (int i = 0; i < count; i++) {
            words.append(i == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
        }
        return words.toString();
    }

    /**
     * Splits text into stream deltas of a word or so each; concatenated they give the text back
     * exactly. Cuts never fall inside a surrogate pair, so non-ASCII schema values survive.
     */
    static List<String> pieces(String text) {
        List<String> pieces = new ArrayList<>();
        int start = 0;
        for (int i = 1; i <= text.length(); i++) {
            boolean end = i == text.length();
            boolean wordStart =
                    !end && Character.isWhitespace(text.charAt(i)) && !Character.isWhitespace(text.charAt(i - 1));
            boolean tooLong = !end && i - start >= MAX_PIECE_CHARS && !Character.isLowSurrogate(text.charAt(i));
            if (end || wordStart || tooLong) {
                pieces.add(text.substring(start, i));
                start = i;
            }
        }
        return pieces;
    }

    /**
     * Applies the request's stop sequences and token cap the way a model would: output ends at the
     * first stop sequence, unless the cap is reached before it.
     */
    static Generated finish(String full, List<String> stopSequences, int maxTokens) {
        String text = full;
        String matchedStop = null;
        int cut = Integer.MAX_VALUE;
        for (String stop : stopSequences) {
            int at = stop.isEmpty() ? -1 : full.indexOf(stop);
            if (at >= 0 && at < cut) {
                cut = at;
                matchedStop = stop;
            }
        }
        if (matchedStop != null) {
            text = full.substring(0, cut);
        }
        int tokens = Tokens.count(text);
        if (tokens > maxTokens) {
            text = Tokens.truncate(text, maxTokens);
            return new Generated(text, Tokens.count(text), true, null);
        }
        return new Generated(text, tokens, false, matchedStop);
    }

    /**
     * @param truncated the cap cut the text (finish_reason {@code length}, stop_reason {@code max_tokens})
     * @param stopSequence the stop sequence that ended the text, or null
     */
    record Generated(String text, int tokens, boolean truncated, String stopSequence) {}
}
