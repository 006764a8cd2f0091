package dev.sluice.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.function.LongSupplier;

/**
 * What both protocol handlers share: the current config, the seeded dice, the rate window and
 * the counters. Config and dice are swapped together on update, so a new seed takes effect at
 * once and a run after an update is as reproducible as a run after start.
 */
final class SimState {

    static final String LATENCY_HEADER = "x-sim-latency-ms";
    static final String FAULT_HEADER = "x-sim-fault";

    final ObjectMapper json = new ObjectMapper();
    final StatsRecorder stats = new StatsRecorder();
    final RateWindow window = new RateWindow();

    /** Wall-clock millis for the rate window; tests pass a fixed clock so window edges never flake. */
    final LongSupplier clock;

    private volatile Settings settings;

    private record Settings(SimConfig config, Dice dice) {
    }

    SimState(SimConfig config, LongSupplier clock) {
        this.clock = clock;
        this.settings = new Settings(config, new Dice(config.seed()));
    }

    SimConfig config() {
        return settings.config();
    }

    void update(SimConfig config) {
        settings = new Settings(config, new Dice(config.seed()));
    }

    /** The forced fault of {@code x-sim-fault}, else a draw from the configured rates. */
    OptionalInt fault(Context ctx, SimConfig config) {
        String forced = ctx.header(FAULT_HEADER);
        if (forced != null) {
            int status = parseHeader(forced, FAULT_HEADER);
            if (status < 400 || status > 599) {
                throw ApiException.invalid(FAULT_HEADER + " must be an HTTP error status 400..599, got " + forced,
                        null, null);
            }
            return OptionalInt.of(status);
        }
        return settings.dice().fault(config.faultRates());
    }

    /** Time before the first byte: {@code x-sim-latency-ms} if sent, else base + jitter. */
    Duration firstByteDelay(Context ctx, SimConfig config) {
        String override = ctx.header(LATENCY_HEADER);
        if (override != null) {
            return Duration.ofMillis(parseHeader(override, LATENCY_HEADER));
        }
        return settings.dice().latency(config.latency(), config.latencyJitter());
    }

    static Duration generationTime(SimConfig config, int outputTokens) {
        if (config.tokensPerSecond() <= 0) {
            return Duration.ZERO;
        }
        return Duration.ofNanos((long) (outputTokens / config.tokensPerSecond() * 1e9));
    }

    /** Blocking is the point: each request has its own virtual thread, so sleeping is cheap. */
    static void pause(Duration duration) {
        if (duration.isZero() || duration.isNegative()) {
            return;
        }
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while simulating latency", e);
        }
    }

    byte[] bytes(Object value) {
        try {
            return json.writeValueAsBytes(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("response trees always serialise", e);
        }
    }

    private static int parseHeader(String value, String name) {
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed < 0) {
                throw new NumberFormatException();
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw ApiException.invalid(name + " must be a non-negative integer, got '" + value + "'", null, null);
        }
    }
}
