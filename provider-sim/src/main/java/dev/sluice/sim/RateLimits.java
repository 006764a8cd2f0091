package dev.sluice.sim;

import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@link RateWindow} per protocol and API key, so that each key gets the full limit as each
 * real key (or organisation) does. Both protocols never share a window, even for the same key
 * string: they stand in for two different providers.
 */
final class RateLimits {

    // A load test with a fresh key per request would otherwise grow the map without bound; a
    // window whose minute is over holds nothing worth keeping.
    private static final int PRUNE_ABOVE = 10_000;

    private final ConcurrentHashMap<String, RateWindow> windows = new ConcurrentHashMap<>();

    RateWindow forKey(String protocol, String apiKey, long nowMillis) {
        if (windows.size() > PRUNE_ABOVE) {
            windows.values().removeIf(window -> window.idleAt(nowMillis));
        }
        return windows.computeIfAbsent(protocol + " " + apiKey, k -> new RateWindow());
    }
}
