package dev.sluice.runtime.kafka;

import dev.sluice.schemas.registry.SchemaRegistryException;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Decoding a record whose schema must come from the registry. Bytes that do not decode are bad
 * input and fail at once (the caller dead-letters them). A registry that cannot be reached, or
 * answers 5xx, says nothing about the record: the decode is tried again, waiting 250 ms, then
 * twice as long each time up to 30 s, for as long as it takes. A valid record is never
 * dead-lettered because the registry was down.
 */
public final class Decoding {
    private static final Duration FIRST_WAIT = Duration.ofMillis(250);
    private static final Duration LONGEST_WAIT = Duration.ofSeconds(30);

    /** How the caller waits; tests record the waits instead. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    private Decoding() {}

    /** {@code decode}'s value, once the registry lets it decode; {@code onWait} hears of each failed try. */
    public static <T> T waitingOutRegistry(Supplier<T> decode, Sleeper sleeper, Consumer<RuntimeException> onWait)
            throws InterruptedException {
        Duration wait = FIRST_WAIT;
        while (true) {
            try {
                return decode.get();
            } catch (RuntimeException e) {
                if (!SchemaRegistryException.isTransient(e)) {
                    throw e;
                }
                onWait.accept(e);
                sleeper.sleep(wait);
                wait = wait.multipliedBy(2).compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT : wait.multipliedBy(2);
            }
        }
    }
}
