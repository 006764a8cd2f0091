package dev.sluice.runtime.tokens;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into the pieces o200k_base encodes one by one, exactly as its pre-tokenisation
 * regex does (the alternatives below, compiled with UNICODE_CHARACTER_CLASS, as jtokkit
 * compiles them), without running the regex: on a small machine the regex was most of the cost
 * of counting tokens, and counting tokens a third of the router's CPU.
 *
 * <pre>
 *  1  [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
 *  2  [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
 *  3  \p{N}{1,3}
 *  4   ?[^\s\p{L}\p{N}]+[\r\n/]*
 *  5  \s*[\r\n]+
 *  6  \s+(?!\S)
 *  7  \s+
 * </pre>
 *
 * Character classes come from the same regex classes, evaluated once per BMP character at class
 * load (and on first sight for supplementary characters), so their meaning cannot drift from the
 * regex's. The alternatives are tried in order at each position with the regex's backtracking
 * (written out below), and together they match at every position, so the pieces tile the text.
 */
final class O200kSplitter {
    /** Receives each piece as a range of the text. */
    @FunctionalInterface
    interface PieceConsumer {
        void piece(String text, int start, int end);
    }

    private static final int PREFIX = 1; // [^\r\n\p{L}\p{N}]
    private static final int UPPERISH = 2; // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]
    private static final int LOWERISH = 4; // [\p{Ll}\p{Lm}\p{Lo}\p{M}]
    private static final int NUMBER = 8; // \p{N}
    private static final int SYMBOL = 16; // [^\s\p{L}\p{N}]
    private static final int SPACE = 32; // \s
    private static final int NEWLINE = 64; // [\r\n]

    private static final int UNICODE = Pattern.UNICODE_CHARACTER_CLASS;
    private static final Pattern[] CLASSES = {
        Pattern.compile("[^\\r\\n\\p{L}\\p{N}]", UNICODE),
        Pattern.compile("[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]", UNICODE),
        Pattern.compile("[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]", UNICODE),
        Pattern.compile("\\p{N}", UNICODE),
        Pattern.compile("[^\\s\\p{L}\\p{N}]", UNICODE),
        Pattern.compile("\\s", UNICODE),
        Pattern.compile("[\\r\\n]", UNICODE),
    };
    private static final Pattern CONTRACTION = Pattern.compile("(?i:'s|'t|'re|'ve|'m|'ll|'d)", UNICODE);
    private static final byte[] BMP = new byte[65536];
    private static final Map<Integer, Integer> SUPPLEMENTARY = new ConcurrentHashMap<>();

    static {
        for (int c = 0; c < BMP.length; c++) {
            BMP[c] = (byte) classify(c);
        }
    }

    private O200kSplitter() {}

    private static int classify(int codePoint) {
        String s = new String(Character.toChars(codePoint));
        int flags = 0;
        for (int i = 0; i < CLASSES.length; i++) {
            if (CLASSES[i].matcher(s).matches()) {
                flags |= 1 << i;
            }
        }
        return flags;
    }

    private static int flags(int codePoint) {
        return codePoint < 65536 ? BMP[codePoint] : SUPPLEMENTARY.computeIfAbsent(codePoint, O200kSplitter::classify);
    }

    /** Calls {@code out} with each piece of {@code text}, in order. */
    static void split(String text, PieceConsumer out) {
        int n = text.length();
        int i = 0;
        while (i < n) {
            int end = pieceEnd(text, i, n);
            out.piece(text, i, end);
            i = end;
        }
    }

    private static int pieceEnd(String text, int i, int n) {
        int end = letters(text, i, n, true);
        if (end < 0) {
            end = letters(text, i, n, false);
        }
        if (end < 0) {
            end = numbers(text, i, n);
        }
        if (end < 0) {
            end = symbols(text, i, n);
        }
        if (end < 0) {
            end = spaces(text, i, n);
        }
        if (end < 0) {
            // Unreachable while the alternatives cover every character; never loop forever.
            end = i + Character.charCount(text.codePointAt(i));
        }
        return end;
    }

    /** Alternatives 1 ({@code lowerTail}) and 2: an optional prefix, then letters; -1 when they do not match. */
    private static int letters(String text, int i, int n, boolean lowerTail) {
        int first = text.codePointAt(i);
        boolean canPrefix = (flags(first) & PREFIX) != 0;
        for (int withPrefix = canPrefix ? 1 : 0; withPrefix >= 0; withPrefix--) {
            int j = withPrefix == 1 ? i + Character.charCount(first) : i;
            int end = lowerTail ? upperThenLower(text, j, n) : upperRunThenLowerRun(text, j, n);
            if (end >= 0) {
                return contraction(text, end, n);
            }
        }
        return -1;
    }

    /** {@code [A]*[B]+} from j with backtracking: the longest A-run that leaves a B to follow. */
    private static int upperThenLower(String text, int j, int n) {
        int aEnd = run(text, j, n, UPPERISH);
        int k = aEnd;
        while (true) {
            if (k < n && (flags(text.codePointAt(k)) & LOWERISH) != 0) {
                return run(text, k, n, LOWERISH);
            }
            if (k == j) {
                return -1;
            }
            k = text.offsetByCodePoints(k, -1);
        }
    }

    /** {@code [A]+[B]*} from j. */
    private static int upperRunThenLowerRun(String text, int j, int n) {
        int aEnd = run(text, j, n, UPPERISH);
        return aEnd == j ? -1 : run(text, aEnd, n, LOWERISH);
    }

    private static int contraction(String text, int end, int n) {
        if (end < n && text.charAt(end) == '\'') {
            Matcher m = CONTRACTION.matcher(text).region(end, n);
            if (m.lookingAt()) {
                return m.end();
            }
        }
        return end;
    }

    /** Alternative 3: one to three numbers. */
    private static int numbers(String text, int i, int n) {
        int end = i;
        for (int count = 0; count < 3 && end < n; count++) {
            int cp = text.codePointAt(end);
            if ((flags(cp) & NUMBER) == 0) {
                break;
            }
            end += Character.charCount(cp);
        }
        return end == i ? -1 : end;
    }

    /** Alternative 4: an optional space, symbols, then any {@code \r}, {@code \n} or {@code /}. */
    private static int symbols(String text, int i, int n) {
        for (int withSpace = text.charAt(i) == ' ' ? 1 : 0; withSpace >= 0; withSpace--) {
            int j = i + withSpace;
            int end = run(text, j, n, SYMBOL);
            if (end > j) {
                while (end < n && (text.charAt(end) == '\r' || text.charAt(end) == '\n' || text.charAt(end) == '/')) {
                    end++;
                }
                return end;
            }
        }
        return -1;
    }

    /** Alternatives 5 to 7: whitespace. */
    private static int spaces(String text, int i, int n) {
        int e = run(text, i, n, SPACE);
        if (e == i) {
            return -1;
        }
        // 5: \s*[\r\n]+ backtracks to the last newline of the run and takes it.
        for (int k = e; k > i; ) {
            k = text.offsetByCodePoints(k, -1);
            if ((flags(text.codePointAt(k)) & NEWLINE) != 0) {
                return k + 1;
            }
        }
        // 6: \s+(?!\S): the whole run at the end of the text, else all but its last character.
        if (e == n) {
            return e;
        }
        int lastStart = text.offsetByCodePoints(e, -1);
        if (lastStart > i) {
            return lastStart;
        }
        // 7: \s+
        return e;
    }

    private static int run(String text, int from, int n, int flag) {
        int k = from;
        while (k < n) {
            int cp = text.codePointAt(k);
            if ((flags(cp) & flag) == 0) {
                break;
            }
            k += Character.charCount(cp);
        }
        return k;
    }
}
