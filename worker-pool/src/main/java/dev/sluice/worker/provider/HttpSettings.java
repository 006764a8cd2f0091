package dev.sluice.worker.provider;

import java.time.Duration;
import java.util.Locale;

/**
 * How an adapter talks HTTP to its provider.
 *
 * @param timeout the whole exchange's safety net behind the tier's time limit
 * @param client which HTTP client
 * @param keepAlive how long an idle connection is kept for the next call ({@link Client#HTTP1}
 *     only; keep it below the server's own idle timeout)
 */
public record HttpSettings(Duration timeout, Client client, Duration keepAlive) {
    public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(4);

    /** The clients an adapter can use; both speak HTTP/1.1, one call per connection at a time. */
    public enum Client {
        /** Sluice's own blocking client on the caller's virtual thread ({@link Http1Client}). */
        HTTP1,
        /** The JDK's {@code java.net.http.HttpClient}. */
        JDK;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The default client with the default keep-alive. */
    public static HttpSettings of(Duration timeout) {
        return new HttpSettings(timeout, Client.HTTP1, DEFAULT_KEEP_ALIVE);
    }
}
