package dev.sluice.worker.guardrails;

import java.util.EnumMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces personal data in model output with a marker per kind: e-mail addresses, payment card
 * numbers (13 to 19 digits, spaces or dashes allowed, and only when the Luhn check passes), US
 * social security numbers (dashed, excluding numbers the SSA never issues) and phone numbers
 * (groups separated by space, dot or dash, optionally with a country code or area code in
 * parentheses). Kinds are matched in that order, so a card number is never taken for a phone
 * number. Dates, prices, versions, IP addresses and digit runs that fail the Luhn check are left
 * alone.
 */
public final class PiiRedactor {
    /** What was found. */
    public enum Kind {
        EMAIL,
        CARD,
        SSN,
        PHONE;

        /** The text that replaces a match, e.g. {@code [REDACTED_EMAIL]}. */
        public String marker() {
            return "[REDACTED_" + name() + "]";
        }
    }

    /** The redacted text and how many of each kind were replaced. */
    public record Redacted(String text, Map<Kind, Integer> counts) {
        public int total() {
            return counts.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    private static final Pattern EMAIL = Pattern.compile(
            "(?<![\\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}(?![\\w-])");
    private static final Pattern CARD = Pattern.compile("(?<![\\d-])\\d(?:[ -]?\\d){12,18}(?![\\d-])");
    private static final Pattern SSN =
            Pattern.compile("(?<![\\d-])(?!000|666|9\\d\\d)\\d{3}-(?!00)\\d{2}-(?!0000)\\d{4}(?![\\d-])");
    private static final Pattern PHONE = Pattern.compile(
            "(?<![\\w+])(?<!\\d[ .-])(?:\\+\\d{1,3}[ .-]?)?(?:\\(\\d{2,4}\\)[ .-]?|\\d{2,4}[ .-])\\d{3,4}[ .-]\\d{3,4}"
                    + "(?!\\w)(?![ .-]\\d)");

    private PiiRedactor() {}

    public static Redacted redact(String text) {
        Map<Kind, Integer> counts = new EnumMap<>(Kind.class);
        if (text == null || text.isEmpty()) {
            return new Redacted(text, counts);
        }
        String out = replace(EMAIL, text, Kind.EMAIL, counts, false);
        out = replace(CARD, out, Kind.CARD, counts, true);
        out = replace(SSN, out, Kind.SSN, counts, false);
        out = replace(PHONE, out, Kind.PHONE, counts, false);
        return new Redacted(out, counts);
    }

    private static String replace(Pattern pattern, String text, Kind kind, Map<Kind, Integer> counts, boolean luhn) {
        Matcher m = pattern.matcher(text);
        StringBuilder sb = null;
        int last = 0;
        while (m.find()) {
            if (luhn && !luhnValid(m.group())) {
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder(text.length());
            }
            sb.append(text, last, m.start()).append(kind.marker());
            last = m.end();
            counts.merge(kind, 1, Integer::sum);
        }
        if (sb == null) {
            return text;
        }
        return sb.append(text, last, text.length()).toString();
    }

    /** The Luhn check over the digits of {@code s}, separators ignored. */
    static boolean luhnValid(String s) {
        int sum = 0;
        int digits = 0;
        for (int i = s.length() - 1; i >= 0; i--) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                continue;
            }
            int d = c - '0';
            if (digits % 2 == 1) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            digits++;
        }
        return digits >= 13 && digits <= 19 && sum % 10 == 0;
    }
}
