package dev.sluice.router;

import dev.sluice.model.Message;
import dev.sluice.model.Role;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Heuristic prompt-injection patterns, matched against user and assistant messages (the system
 * prompt is the tenant's own). A match is a suspicion, not proof: under FLAG the job runs marked
 * {@code injectionFlagged}; under BLOCK it is rejected with INJECTION_SUSPECTED. The patterns
 * are listed in the module README.
 */
final class InjectionDetector {
    static final List<String> PATTERNS = List.of(
            "\\b(ignore|disregard|forget|override)\\s+(all\\s+|any\\s+|the\\s+|your\\s+)?(previous|prior|above|earlier|"
                    + "preceding|system)\\s+(instructions|prompts?|rules|directions|guidelines)",
            "\\b(reveal|show|print|repeat|output|leak)\\s+(me\\s+)?(your|the)\\s+(system\\s+prompt|hidden\\s+"
                    + "instructions|initial\\s+instructions|instructions\\s+above)",
            "\\byou\\s+are\\s+now\\s+(in\\s+)?(dan|developer\\s+mode|jailbroken|unrestricted|unfiltered)\\b",
            "\\bjailbreak(ing)?\\b",
            "\\bpretend\\s+(that\\s+)?you\\s+(have\\s+no|are\\s+not\\s+bound\\s+by|are\\s+free\\s+of)\\s+"
                    + "(rules|restrictions|guidelines|limits)",
            "<\\|im_(start|end)\\|>|\\[/?INST\\]|<<\\s*SYS\\s*>>",
            "\\b(new|updated)\\s+system\\s+(prompt|instructions)\\s*:");

    private static final Pattern ANY =
            Pattern.compile(String.join("|", PATTERNS), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);

    /**
     * Every match of {@link #ANY} starts with one of these (compared as the regex compares under
     * UNICODE_CASE). The regex is tried only where one starts: the alternation tried at every
     * character was half of the router's CPU.
     */
    private static final String[] STARTS = {
        "ignore",
        "disregard",
        "forget",
        "override",
        "reveal",
        "show",
        "print",
        "repeat",
        "output",
        "leak",
        "you",
        "jailbreak",
        "pretend",
        "new",
        "updated",
        "<|im_",
        "[",
        "<<"
    };

    /** The first suspicious passage in the conversation, if any. */
    Optional<String> find(List<Message> messages) {
        for (Message m : messages) {
            if (m.role() == Role.SYSTEM) {
                continue;
            }
            String hit = find(m.content());
            if (hit != null) {
                return Optional.of(hit);
            }
        }
        return Optional.empty();
    }

    /** The leftmost match in {@code text}, the same as {@code ANY.matcher(text).find()} gives, or null. */
    static String find(String text) {
        Matcher matcher = null;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            // Between two ASCII word characters there is no \b, and every word pattern starts with one.
            if (i > 0 && asciiWord(text.charAt(i - 1)) && asciiWord(text.charAt(i)) || !startsHere(text, i)) {
                continue;
            }
            if (matcher == null) {
                matcher = ANY.matcher(text).useTransparentBounds(true).useAnchoringBounds(false);
            }
            if (matcher.region(i, n).lookingAt()) {
                return matcher.group();
            }
        }
        return null;
    }

    private static boolean asciiWord(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_';
    }

    private static boolean startsHere(String text, int i) {
        char first = fold(text.charAt(i));
        if (first >= BY_FIRST.length || BY_FIRST[first] == null) {
            return false;
        }
        for (String start : BY_FIRST[first]) {
            if (i + start.length() <= text.length() && foldedEquals(text, i, start)) {
                return true;
            }
        }
        return false;
    }

    private static boolean foldedEquals(String text, int at, String lowerAscii) {
        for (int k = 1; k < lowerAscii.length(); k++) {
            if (fold(text.charAt(at + k)) != lowerAscii.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** A character as UNICODE_CASE matching compares it; ASCII without a table lookup. */
    private static char fold(char c) {
        if (c < 128) {
            return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
        }
        return Character.toLowerCase(Character.toUpperCase(c));
    }

    private static final String[][] BY_FIRST = new String[128][];

    static {
        for (String start : STARTS) {
            char f = start.charAt(0);
            String[] known = BY_FIRST[f] == null ? new String[0] : BY_FIRST[f];
            String[] more = java.util.Arrays.copyOf(known, known.length + 1);
            more[known.length] = start;
            BY_FIRST[f] = more;
        }
    }
}
