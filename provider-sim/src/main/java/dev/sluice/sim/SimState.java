package dev.sluice.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * What both protocol handlers share: the current config, the seeded dice, the outage schedule,
 * the per-key rate windows, the prompt cache and the counters. Config, dice and schedule start
 * are swapped together on update, so a new seed takes effect at once and a run after an update
 * is as reproducible as a run after start.
 */
final class SimState {

    static final String LATENCY_HEADER = "x-sim-latency-ms";
    static final String FAULT_HEADER = "x-sim-fault";

    final ObjectMapper json = new ObjectMapper();
    final StatsRecorder stats = new StatsRecorder();
    final RateLimits limits = new RateLimits();
    final PromptCache promptCache = new PromptCache();

    /**
     * Wall-clock millis for rate windows, outage schedules and cache TTLs; tests pass a clock they
     * move by hand, so window edges never flake and nothing waits minutes for a TTL.
     */
    final LongSupplier clock;

    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile Settings settings;

    /** @param outagesSince clock millis from which the outage offsets count */
    private record Settings(SimConfig config, Dice dice, long outagesSince) {}

    SimState(SimConfig config, LongSupplier clock) {
        this.clock = clock;
        this.settings = new Settings(config, new Dice(config.seed()), clock.getAsLong());
    }

    SimConfig config() {
        return settings.config();
    }

    /** The outage schedule restarts only when the outage list changes, so unrelated patches leave it running. */
    synchronized void update(SimConfig config) {
        Settings current = settings;
        long since = config.outages().equals(current.config().outages()) ? current.outagesSince() : clock.getAsLong();
        settings = new Settings(config, new Dice(config.seed()), since);
    }

    long now() {
        return clock.getAsLong();
    }

    /**
     * The status to answer instead of a completion, after waiting as that answer would: a forced
     * {@code x-sim-fault}, else an outage in force now (a hang holds the request, then 504), else
     * a fault drawn from the configured rates.
     */
    OptionalInt failure(Context ctx, SimConfig config, String protocol, String model, Duration firstByte) {
        OptionalInt fault = forcedFault(ctx);
        if (fault.isEmpty()) {
            Outage outage = activeOutage(config, protocol, model);
            if (outage != null) {
                stats.outage();
                if (outage.hangs()) {
                    hang();
                    return OptionalInt.of(504);
                }
                pause(firstByte);
                return OptionalInt.of(outage.status());
            }
            fault = settings.dice().fault(config.faultRates());
        }
        if (fault.isPresent()) {
            stats.injectedFault(fault.getAsInt());
            pause(firstByte);
        }
        return fault;
    }

    /** Time before the first byte: {@code x-sim-latency-ms} if sent, else a draw from the configured distribution. */
    Duration firstByteDelay(Context ctx, SimConfig config) {
        String override = ctx.header(LATENCY_HEADER);
        if (override != null) {
            return Duration.ofMillis(parseHeader(override, LATENCY_HEADER));
        }
        return settings.dice().latency(config);
    }

    /** Releases hung requests; called when the server stops. */
    void close() {
        closed.countDown();
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

    /** Answers with {@code body} as JSON and the given status. */
    void respond(io.javalin.http.Context ctx, int status, Object body) {
        ctx.status(status).contentType("application/json").result(bytes(body));
    }

    byte[] bytes(Object value) {
        try {
            return json.writeValueAsBytes(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("response trees always serialise", e);
        }
    }

    private Outage activeOutage(SimConfig config, String protocol, String model) {
        if (config.outages().isEmpty()) {
            return null;
        }
        Duration elapsed = Duration.ofMillis(clock.getAsLong() - settings.outagesSince());
        for (Outage outage : config.outages()) {
            if (outage.covers(elapsed, protocol, model)
                    && (outage.rate() >= 1 || settings.dice().chance(outage.rate()))) {
                return outage;
            }
        }
        return null;
    }

    private void hang() {
        try {
            closed.await(Outage.HANG_CAP.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while hanging", e);
        }
    }

    private static OptionalInt forcedFault(Context ctx) {
        String forced = ctx.header(FAULT_HEADER);
        if (forced == null) {
            return OptionalInt.empty();
        }
        int status = parseHeader(forced, FAULT_HEADER);
        if (status < 400 || status > 599) {
            throw ApiException.invalid(
                    FAULT_HEADER + " must be an HTTP error status 400..599, got " + forced, null, null);
        }
        return OptionalInt.of(status);
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
