package dev.sluice.sim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Everything that shapes how the simulator answers. Host and port are fixed once the server is
 * bound; the rest can be swapped at runtime with {@link ProviderSimulator#update(SimConfig)}.
 *
 * @param latency time to first byte: the fixed base, or the median for {@link LatencyDistribution#LOG_NORMAL}
 * @param latencyJitter plus a uniform random {@code 0..jitter}, in either distribution
 * @param latencyP99 99th percentile of a log-normal latency; unused for {@link LatencyDistribution#FIXED}
 * @param faultRates probability per HTTP status (400..599) that a request is answered with that
 *     error instead of a completion; one uniform draw per request, so the rates must sum to ≤ 1
 * @param outages scheduled error or hang windows, checked in list order
 * @param apiKeys accepted keys; empty accepts any non-empty key
 * @param seed seeds the fault and latency draws so a sequential run is reproducible
 * @param requestsPerMinute limit per API key, reported in the rate-limit headers and enforced with a 429
 * @param tokensPerMinute same for tokens (input + requested output cap)
 * @param retryAfter delay announced by injected 429s
 * @param promptCache whether repeated long prefixes are reported as prompt-cache hits
 * @param batchProcessingTime how long a batch takes from creation until it ends; its lines finish
 *     evenly spread over it, so a cancel gets partial results
 * @param batchLineFailureRate probability that a batch line errors with a retryable 500 / {@code api_error}
 * @param batchLineExpiryRate probability that a batch line expires instead of finishing
 */
public record SimConfig(
        String host,
        int port,
        Duration latency,
        Duration latencyJitter,
        LatencyDistribution latencyDistribution,
        Duration latencyP99,
        double tokensPerSecond,
        Map<Integer, Double> faultRates,
        List<Outage> outages,
        Set<String> apiKeys,
        long seed,
        long requestsPerMinute,
        long tokensPerMinute,
        Duration retryAfter,
        boolean promptCache,
        Duration batchProcessingTime,
        double batchLineFailureRate,
        double batchLineExpiryRate) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final long DEFAULT_SEED = 42L;
    // High enough that tests and benchmarks never hit them by accident; lower them to see 429s.
    public static final long DEFAULT_REQUESTS_PER_MINUTE = 1_000_000L;
    public static final long DEFAULT_TOKENS_PER_MINUTE = 1_000_000_000L;
    public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);
    // Long enough to poll a batch in each state, short enough for an integration test.
    public static final Duration DEFAULT_BATCH_PROCESSING_TIME = Duration.ofSeconds(10);
    // Both providers end a batch after 24 hours at most; a longer simulated run would be no batch API.
    public static final Duration MAX_BATCH_PROCESSING_TIME = Duration.ofHours(24);

    /** How the time to first byte is drawn. */
    public enum LatencyDistribution {
        /** {@code latency} plus uniform jitter: the old behaviour and the default. */
        FIXED("fixed"),
        /** Log-normal with median {@code latency} and 99th percentile {@code latencyP99}, plus jitter. */
        LOG_NORMAL("lognormal");

        private final String wireName;

        LatencyDistribution(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        public static LatencyDistribution parse(String name) {
            for (LatencyDistribution value : values()) {
                if (value.wireName.equals(name.toLowerCase(Locale.ROOT))) {
                    return value;
                }
            }
            throw new IllegalArgumentException("latencyDistribution must be fixed or lognormal, got '" + name + "'");
        }
    }

    public SimConfig {
        faultRates = faultRates == null ? Map.of() : Map.copyOf(new TreeMap<>(faultRates));
        apiKeys = apiKeys == null ? Set.of() : Set.copyOf(apiKeys);
        outages = outages == null ? List.of() : List.copyOf(outages);
        latencyDistribution = latencyDistribution == null ? LatencyDistribution.FIXED : latencyDistribution;
        latencyP99 = latencyP99 == null ? Duration.ZERO : latencyP99;
        List<String> errors = new ArrayList<>();
        basicProblems(errors, host, port, tokensPerSecond, requestsPerMinute, tokensPerMinute);
        latencyProblems(errors, latency, latencyJitter, latencyDistribution, latencyP99);
        checkNonNegative(errors, "retryAfter", retryAfter);
        faultProblems(errors, faultRates);
        batchProblems(errors, batchProcessingTime, batchLineFailureRate, batchLineExpiryRate);
        for (int i = 0; i < outages.size(); i++) {
            errors.addAll(outages.get(i).problems("outages[" + i + "]"));
        }
        if (apiKeys.stream().anyMatch(String::isBlank)) {
            errors.add("apiKeys must not contain blank keys");
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("Invalid simulator config: " + String.join("; ", errors));
        }
    }

    public static SimConfig defaults() {
        return new SimConfig(
                DEFAULT_HOST,
                0,
                Duration.ZERO,
                Duration.ZERO,
                LatencyDistribution.FIXED,
                Duration.ZERO,
                0.0,
                Map.of(),
                List.of(),
                Set.of(),
                DEFAULT_SEED,
                DEFAULT_REQUESTS_PER_MINUTE,
                DEFAULT_TOKENS_PER_MINUTE,
                DEFAULT_RETRY_AFTER,
                true,
                DEFAULT_BATCH_PROCESSING_TIME,
                0.0,
                0.0);
    }

    public SimConfig withHost(String value) {
        return with(d -> d.host = value);
    }

    public SimConfig withPort(int value) {
        return with(d -> d.port = value);
    }

    /** Fixed base and uniform jitter; keeps the distribution as it is (the base is the median for log-normal). */
    public SimConfig withLatency(Duration base, Duration jitter) {
        return with(d -> {
            d.latency = base;
            d.latencyJitter = jitter;
        });
    }

    /** Log-normal time to first byte with this median and 99th percentile; jitter is left as it is. */
    public SimConfig withLogNormalLatency(Duration median, Duration p99) {
        return with(d -> {
            d.latencyDistribution = LatencyDistribution.LOG_NORMAL;
            d.latency = median;
            d.latencyP99 = p99;
        });
    }

    public SimConfig withLatencyDistribution(LatencyDistribution value) {
        return with(d -> d.latencyDistribution = value);
    }

    public SimConfig withLatencyP99(Duration value) {
        return with(d -> d.latencyP99 = value);
    }

    public SimConfig withTokensPerSecond(double value) {
        return with(d -> d.tokensPerSecond = value);
    }

    public SimConfig withFaultRates(Map<Integer, Double> value) {
        return with(d -> d.faultRates = value);
    }

    public SimConfig withOutages(List<Outage> value) {
        return with(d -> d.outages = value);
    }

    public SimConfig withApiKeys(Set<String> value) {
        return with(d -> d.apiKeys = value);
    }

    public SimConfig withSeed(long value) {
        return with(d -> d.seed = value);
    }

    public SimConfig withRateLimits(long requests, long tokens) {
        return with(d -> {
            d.requestsPerMinute = requests;
            d.tokensPerMinute = tokens;
        });
    }

    public SimConfig withRetryAfter(Duration value) {
        return with(d -> d.retryAfter = value);
    }

    public SimConfig withPromptCache(boolean value) {
        return with(d -> d.promptCache = value);
    }

    public SimConfig withBatchProcessingTime(Duration value) {
        return with(d -> d.batchProcessingTime = value);
    }

    /** Per-line probabilities of a 500 / {@code api_error} and of expiry; they must sum to ≤ 1. */
    public SimConfig withBatchLineRates(double failureRate, double expiryRate) {
        return with(d -> {
            d.batchLineFailureRate = failureRate;
            d.batchLineExpiryRate = expiryRate;
        });
    }

    boolean acceptsKey(String key) {
        return key != null && !key.isBlank() && (apiKeys.isEmpty() || apiKeys.contains(key));
    }

    private SimConfig with(Consumer<Draft> change) {
        Draft draft = new Draft(this);
        change.accept(draft);
        return draft.build();
    }

    /** A mutable copy, so each wither names only the setting it changes. */
    private static final class Draft {
        String host;
        int port;
        Duration latency;
        Duration latencyJitter;
        LatencyDistribution latencyDistribution;
        Duration latencyP99;
        double tokensPerSecond;
        Map<Integer, Double> faultRates;
        List<Outage> outages;
        Set<String> apiKeys;
        long seed;
        long requestsPerMinute;
        long tokensPerMinute;
        Duration retryAfter;
        boolean promptCache;
        Duration batchProcessingTime;
        double batchLineFailureRate;
        double batchLineExpiryRate;

        Draft(SimConfig c) {
            host = c.host;
            port = c.port;
            latency = c.latency;
            latencyJitter = c.latencyJitter;
            latencyDistribution = c.latencyDistribution;
            latencyP99 = c.latencyP99;
            tokensPerSecond = c.tokensPerSecond;
            faultRates = c.faultRates;
            outages = c.outages;
            apiKeys = c.apiKeys;
            seed = c.seed;
            requestsPerMinute = c.requestsPerMinute;
            tokensPerMinute = c.tokensPerMinute;
            retryAfter = c.retryAfter;
            promptCache = c.promptCache;
            batchProcessingTime = c.batchProcessingTime;
            batchLineFailureRate = c.batchLineFailureRate;
            batchLineExpiryRate = c.batchLineExpiryRate;
        }

        SimConfig build() {
            return new SimConfig(
                    host,
                    port,
                    latency,
                    latencyJitter,
                    latencyDistribution,
                    latencyP99,
                    tokensPerSecond,
                    faultRates,
                    outages,
                    apiKeys,
                    seed,
                    requestsPerMinute,
                    tokensPerMinute,
                    retryAfter,
                    promptCache,
                    batchProcessingTime,
                    batchLineFailureRate,
                    batchLineExpiryRate);
        }
    }

    private static void basicProblems(
            List<String> errors,
            String host,
            int port,
            double tokensPerSecond,
            long requestsPerMinute,
            long tokensPerMinute) {
        if (host == null || host.isBlank()) {
            errors.add("host must not be blank");
        }
        if (port < 0 || port > 65_535) {
            errors.add("port must be 0..65535 (0 picks a free port), got " + port);
        }
        if (!(tokensPerSecond >= 0) || Double.isInfinite(tokensPerSecond)) {
            errors.add("tokensPerSecond must be a finite number ≥ 0 (0 = instant), got " + tokensPerSecond);
        }
        if (requestsPerMinute < 1) {
            errors.add("requestsPerMinute must be ≥ 1, got " + requestsPerMinute);
        }
        if (tokensPerMinute < 1) {
            errors.add("tokensPerMinute must be ≥ 1, got " + tokensPerMinute);
        }
    }

    private static void latencyProblems(
            List<String> errors, Duration latency, Duration jitter, LatencyDistribution distribution, Duration p99) {
        checkNonNegative(errors, "latency", latency);
        checkNonNegative(errors, "latencyJitter", jitter);
        checkNonNegative(errors, "latencyP99", p99);
        if (distribution == LatencyDistribution.LOG_NORMAL && latency != null && p99 != null) {
            if (latency.toMillis() < 1) {
                errors.add("latency (the median) must be at least 1 ms for a lognormal distribution, got " + latency);
            } else if (p99.compareTo(latency) < 0) {
                errors.add("latencyP99 must be ≥ latency (the median) for a lognormal distribution, got " + p99 + " < "
                        + latency);
            }
        }
    }

    private static void faultProblems(List<String> errors, Map<Integer, Double> faultRates) {
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
    }

    private static void batchProblems(
            List<String> errors, Duration processingTime, double failureRate, double expiryRate) {
        checkNonNegative(errors, "batchProcessingTime", processingTime);
        if (processingTime != null && processingTime.compareTo(MAX_BATCH_PROCESSING_TIME) > 0) {
            errors.add("batchProcessingTime must be at most 24h (the providers' completion window), got "
                    + processingTime);
        }
        boolean ratesValid = true;
        for (var rate :
                List.of(Map.entry("batchLineFailureRate", failureRate), Map.entry("batchLineExpiryRate", expiryRate))) {
            if (!(rate.getValue() >= 0 && rate.getValue() <= 1)) {
                errors.add(rate.getKey() + " must be a probability 0..1, got " + rate.getValue());
                ratesValid = false;
            }
        }
        if (ratesValid && failureRate + expiryRate > 1.0 + 1e-9) {
            errors.add("batchLineFailureRate + batchLineExpiryRate must be at most 1 (one draw per line), got "
                    + (failureRate + expiryRate));
        }
    }

    private static void checkNonNegative(List<String> errors, String name, Duration value) {
        if (value == null) {
            errors.add(name + " must be set");
        } else if (value.isNegative()) {
            errors.add(name + " must not be negative, got " + value);
        }
    }
}
