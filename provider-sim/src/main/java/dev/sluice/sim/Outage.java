package dev.sluice.sim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A scheduled window in which requests are answered with an error status, or never answered
 * ({@link #HANG}): all of them, or a share {@code rate} of them drawn per request (a 429 storm
 * that lets half the calls through is {@code rate} 0.5). Offsets count from when the outage list
 * was last set: server start, or the update that changed the list, so that a runtime patch can
 * say "down in 5 s for 30 s" without knowing how long the server has been up. An update that
 * leaves the list as it was keeps the schedule running.
 *
 * @param start offset of the first window
 * @param duration length of each window
 * @param status HTTP status to answer (400..599), or {@link #HANG}
 * @param every period for a repeating outage; zero means once
 * @param protocol {@code openai} or {@code anthropic}; null for both
 * @param model exact model name; null for every model
 * @param rate the share of requests in a window that get the status (0 < rate ≤ 1); the rest are
 *     served as if there were no outage, faultRates and rate limits included
 */
public record Outage(
        Duration start, Duration duration, int status, Duration every, String protocol, String model, double rate) {

    /** Status value of an outage that holds requests open instead of answering. */
    public static final int HANG = 0;
    /**
     * A hung request is released with a 504 after this long, so a client without a timeout does
     * not hold a thread for ever; closing the simulator releases it at once.
     */
    public static final Duration HANG_CAP = Duration.ofMinutes(10);

    static final Set<String> PROTOCOLS = Set.of("openai", "anthropic");

    public Outage {
        every = every == null ? Duration.ZERO : every;
        protocol = protocol == null || protocol.isBlank() ? null : protocol;
        model = model == null || model.isBlank() ? null : model;
    }

    public static Outage of(Duration start, Duration duration, int status) {
        return new Outage(start, duration, status, Duration.ZERO, null, null, 1.0);
    }

    public static Outage hang(Duration start, Duration duration) {
        return of(start, duration, HANG);
    }

    public Outage repeatingEvery(Duration period) {
        return new Outage(start, duration, status, period, protocol, model, rate);
    }

    public Outage onlyFor(String protocolName, String modelName) {
        return new Outage(start, duration, status, every, protocolName, modelName, rate);
    }

    /** Only a share of the requests in each window get the status, each drawn from the seeded dice. */
    public Outage atRate(double share) {
        return new Outage(start, duration, status, every, protocol, model, share);
    }

    public boolean hangs() {
        return status == HANG;
    }

    /** Whether a request for this protocol and model, {@code elapsed} after the schedule began, falls in a window. */
    boolean covers(Duration elapsed, String requestProtocol, String requestModel) {
        if ((protocol != null && !protocol.equals(requestProtocol)) || (model != null && !model.equals(requestModel))) {
            return false;
        }
        long since = elapsed.minus(start).toMillis();
        if (since < 0) {
            return false;
        }
        long offset = every.isZero() ? since : since % every.toMillis();
        return offset < duration.toMillis();
    }

    /** Every problem, each prefixed with {@code name} (e.g. {@code outages[0]}) so the caller can report them all at once. */
    List<String> problems(String name) {
        List<String> errors = new ArrayList<>();
        if (start == null || start.isNegative()) {
            errors.add(name + ".start must be ≥ 0, got " + start);
        }
        if (duration == null || duration.toMillis() < 1) {
            errors.add(name + ".duration must be at least 1 ms, got " + duration);
        }
        if (status != HANG && (status < 400 || status > 599)) {
            errors.add(name + ".status must be an HTTP error status 400..599 or hang, got " + status);
        }
        if (every.isNegative() || (!every.isZero() && duration != null && every.compareTo(duration) < 0)) {
            errors.add(name + ".every must be 0 (once) or at least the duration, got " + every);
        }
        if (!(rate > 0 && rate <= 1)) {
            errors.add(name + ".rate must be more than 0 and at most 1, got " + rate);
        }
        if (protocol != null && !PROTOCOLS.contains(protocol)) {
            errors.add(name + ".protocol must be openai or anthropic, got '" + protocol + "'");
        }
        return errors;
    }
}
