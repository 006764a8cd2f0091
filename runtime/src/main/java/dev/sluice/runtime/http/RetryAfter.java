package dev.sluice.runtime.http;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * How long an HTTP answer asks to be left alone: {@code retry-after-ms} (OpenAI's, milliseconds)
 * when present, else {@code Retry-After} as delay-seconds (fractions allowed, as some providers
 * send) or an HTTP date (RFC 9110). The one parser for provider calls, embeddings calls and
 * webhook receivers.
 */
public final class RetryAfter {
    private RetryAfter() {}

    /** The wait the headers ask for, never negative; null when they ask for none or say it unreadably. */
    public static Duration of(HttpHeaders headers, Instant now) {
        Optional<String> ms = headers.firstValue("retry-after-ms");
        if (ms.isPresent()) {
            Double millis = number(ms.get());
            if (millis != null) {
                return Duration.ofMillis(Math.max(0, millis.longValue()));
            }
        }
        return headers.firstValue("retry-after").map(v -> parse(v, now)).orElse(null);
    }

    /** A Retry-After value: delay-seconds or an HTTP date; null when it is neither. */
    public static Duration parse(String value, Instant now) {
        String v = value.strip();
        Double seconds = number(v);
        if (seconds != null) {
            return Duration.ofMillis(Math.max(0, (long) (seconds * 1000)));
        }
        try {
            Instant at =
                    ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            return at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static Double number(String v) {
        try {
            double d = Double.parseDouble(v.strip());
            return Double.isFinite(d) ? d : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
