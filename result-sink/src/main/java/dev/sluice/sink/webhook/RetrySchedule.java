package dev.sluice.sink.webhook;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * When a failed webhook is tried again. After try {@code n} (1 for the first) the delivery waits
 * {@code delays[n-1]} on retry level {@code n}; a receiver's longer {@code Retry-After} wins, up
 * to {@code maxRetryAfter}. After the last step there is no next try.
 */
public record RetrySchedule(List<Duration> delays, Duration maxRetryAfter) {
    public static final List<Duration> DEFAULT_DELAYS = List.of(
            Duration.ofSeconds(5),
            Duration.ofSeconds(30),
            Duration.ofMinutes(5),
            Duration.ofMinutes(30),
            Duration.ofHours(2));

    public RetrySchedule {
        delays = List.copyOf(delays);
    }

    /** Tries in all: the first plus one per step. */
    public int maxAttempts() {
        return delays.size() + 1;
    }

    /** Retry levels in use, each a topic of its own. */
    public int levels() {
        return delays.size();
    }

    /**
     * The wait before the next try after {@code attempts} tries, or empty when that was the last.
     *
     * @param retryAfter what the receiver asked for in its last answer, or null
     */
    public Optional<Duration> delayAfter(int attempts, Duration retryAfter) {
        if (attempts < 1 || attempts > delays.size()) {
            return Optional.empty();
        }
        Duration planned = delays.get(attempts - 1);
        Duration asked = retryAfter == null
                ? Duration.ZERO
                : retryAfter.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : retryAfter;
        return Optional.of(asked.compareTo(planned) > 0 ? asked : planned);
    }

    /** The whole schedule in words, for messages: "5s, 30s, 5m". */
    public String describe() {
        return String.join(", ", delays.stream().map(RetrySchedule::words).toList());
    }

    static String words(Duration d) {
        if (d.toMillis() % 3_600_000 == 0 && !d.isZero()) {
            return d.toHours() + "h";
        }
        if (d.toMillis() % 60_000 == 0 && !d.isZero()) {
            return d.toMinutes() + "m";
        }
        if (d.toMillis() % 1000 == 0) {
            return d.toSeconds() + "s";
        }
        return d.toMillis() + "ms";
    }
}
