package dev.sluice.sim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Everything that shapes how the simulator answers. Host and port are fixed once the server is
 * bound; the rest can be swapped at runtime with {@link ProviderSimulator#update(SimConfig)}.
 *
 * @param faultRates probability per HTTP status (400..599) that a request is answered with that
 *     error instead of a completion; one uniform draw per request, so the rates must sum to ≤ 1
 * @param apiKeys accepted keys; empty accepts any non-empty key
 * @param seed seeds the fault and latency draws so a sequential run is reproducible
 * @param requestsPerMinute limit reported in the rate-limit headers and enforced with a 429
 * @param tokensPerMinute same for tokens (input + output)
 * @param retryAfter delay announced by injected 429s
 */
public record SimConfig(
        String host,
        int port,
        Duration latency,
        Duration latencyJitter,
        double tokensPerSecond,
        Map<Integer, Double> faultRates,
        Set<String> apiKeys,
        long seed,
        long requestsPerMinute,
        long tokensPerMinute,
        Duration retryAfter) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final long DEFAULT_SEED = 42L;
    // High enough that tests and benchmarks never hit them by accident; lower them to see 429s.
    public static final long DEFAULT_REQUESTS_PER_MINUTE = 1_000_000L;
    public static final long DEFAULT_TOKENS_PER_MINUTE = 1_000_000_000L;
    public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);

    public SimConfig {
        faultRates = faultRates == null ? Map.of() : Map.copyOf(new TreeMap<>(faultRates));
        apiKeys = apiKeys == null ? Set.of() : Set.copyOf(apiKeys);
        List<String> errors = problems(host, port, latency, latencyJitter, tokensPerSecond,
                faultRates, apiKeys, requestsPerMinute, tokensPerMinute, retryAfter);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("Invalid simulator config: " + String.join("; ", errors));
        }
    }

    public static SimConfig defaults() {
        return new SimConfig(DEFAULT_HOST, 0, Duration.ZERO, Duration.ZERO, 0.0, Map.of(), Set.of(),
                DEFAULT_SEED, DEFAULT_REQUESTS_PER_MINUTE, DEFAULT_TOKENS_PER_MINUTE, DEFAULT_RETRY_AFTER);
    }

    public SimConfig withHost(String value) {
        return new SimConfig(value, port, latency, latencyJitter, tokensPerSecond, faultRates, apiKeys,
                seed, requestsPerMinute, tokensPerMinute, retryAfter);
    }

    public SimConfig withPort(int value) {
        return new SimConfig(host, value, latency, latencyJitter, tokensPerSecond, faultRates, apiKeys,
                seed, requestsPerMinute, tokensPerMinute, retryAfter);
    }

    public SimConfig withLatency(Duration base, Duration jitter) {
        return new SimConfig(host, port, base, jitter, tokensPerSecond, faultRates, apiKeys,
                seed, requestsPerMinute, tokensPerMinute, retryAfter);
    }

    public SimConfig withTokensPerSecond(double value) {
        return new SimConfig(host, port, latency, latencyJitter, value, faultRates, apiKeys,
                seed, requestsPerMinute, tokensPerMinute, retryAfter);
    }

    public SimConfig withFaultRates(Map<Integer, Double> value) {
        return new SimConfig(host, port, latency, latencyJitter, tokensPerSecond, value, apiKeys,
                seed, requestsPerMinute, tokensPerMinute, retryAfter);
    }

    public SimConfig withApiKeys(Set<String> value) {
        return new SimConfig(host, port, latency, latencyJitter, tokensPerSecond, faultRates, value,
                seed, requestsPerMinute, tokensPerMinute, retryAfter);
    }

    public SimConfig withSeed(long value) {
        return new SimConfig(host, port, latency, latencyJitter, tokensPerSecond, faultRates, apiKeys,
                value, requestsPerMinute, tokensPerMinute, retryAfter);
    }

    public SimConfig withRateLimits(long requests, long tokens) {
        return new SimConfig(host, port, latency, latencyJitter, tokensPerSecond, faultRates, apiKeys,
                seed, requests, tokens, retryAfter);
    }

    public SimConfig withRetryAfter(Duration value) {
        return new SimConfig(host, port, latency, latencyJitter, tokensPerSecond, faultRates, apiKeys,
                seed, requestsPerMinute, tokensPerMinute, value);
    }

    boolean acceptsKey(String key) {
        return key != null && !key.isBlank() && (apiKeys.isEmpty() || apiKeys.contains(key));
    }

    private static List<String> problems(String host, int port, Duration latency, Duration jitter,
            double tokensPerSecond, Map<Integer, Double> faultRates, Set<String> apiKeys,
            long requestsPerMinute, long tokensPerMinute, Duration retryAfter) {
        List<String> errors = new ArrayList<>();
        if (host == null || host.isBlank()) {
            errors.add("host must not be blank");
        }
        if (port < 0 || port > 65_535) {
            errors.add("port must be 0..65535 (0 picks a free port), got " + port);
        }
        checkNonNegative(errors, "latency", latency);
        checkNonNegative(errors, "latencyJitter", jitter);
        checkNonNegative(errors, "retryAfter", retryAfter);
        if (!(tokensPerSecond >= 0) || Double.isInfinite(tokensPerSecond)) {
            errors.add("tokensPerSecond must be a finite number ≥ 0 (0 = instant), got " + tokensPerSecond);
        }
        double sum = 0;
        for (var rate : faultRates.entrySet()) {
            Integer status = rate.getKey();
            Double p = rate.getValue();
            if (status == null || status < 400 || status > 599) {
                errors.add("faultRates key must be an HTTP error status 400..599, got " + status);
            }
            if (p == null || !(p >= 0 && p <= 1)) {
                errors.add("faultRates[" + status + "] must be a probability 0..1, got " + p);
            } else {
                sum += p;
            }
        }
        if (sum > 1.0 + 1e-9) {
            errors.add("faultRates must sum to at most 1 (one draw per request), got " + sum);
        }
        if (apiKeys.stream().anyMatch(String::isBlank)) {
            errors.add("apiKeys must not contain blank keys");
        }
        if (requestsPerMinute < 1) {
            errors.add("requestsPerMinute must be ≥ 1, got " + requestsPerMinute);
        }
        if (tokensPerMinute < 1) {
            errors.add("tokensPerMinute must be ≥ 1, got " + tokensPerMinute);
        }
        return errors;
    }

    private static void checkNonNegative(List<String> errors, String name, Duration value) {
        if (value == null) {
            errors.add(name + " must be set");
        } else if (value.isNegative()) {
            errors.add(name + " must not be negative, got " + value);
        }
    }
}
