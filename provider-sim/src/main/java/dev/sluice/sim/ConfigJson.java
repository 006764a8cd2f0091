package dev.sluice.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JSON form of {@link SimConfig} for {@code GET/POST /sim/config}. A POST body is a patch:
 * only the keys it names change. Host and port are not in it because the socket is already bound.
 */
final class ConfigJson {

    static final Set<String> KEYS = Set.of("latencyMs", "jitterMs", "tokensPerSecond", "faultRates", "apiKeys",
            "seed", "requestsPerMinute", "tokensPerMinute", "retryAfterMs");

    private ConfigJson() {
    }

    static ObjectNode write(SimState state, SimConfig config) {
        ObjectNode json = state.json.createObjectNode();
        json.put("latencyMs", config.latency().toMillis());
        json.put("jitterMs", config.latencyJitter().toMillis());
        json.put("tokensPerSecond", config.tokensPerSecond());
        ObjectNode faults = json.putObject("faultRates");
        config.faultRates().forEach((status, rate) -> faults.put(status.toString(), rate));
        json.put("apiKeys", config.apiKeys().size());
        json.put("seed", config.seed());
        json.put("requestsPerMinute", config.requestsPerMinute());
        json.put("tokensPerMinute", config.tokensPerMinute());
        json.put("retryAfterMs", config.retryAfter().toMillis());
        return json;
    }

    /** Applies a patch; every problem in it is reported in one exception. */
    static SimConfig apply(SimConfig current, JsonNode patch) {
        if (patch == null || !patch.isObject()) {
            throw new IllegalArgumentException("body must be a JSON object with any of " + new java.util.TreeSet<>(KEYS));
        }
        List<String> errors = new ArrayList<>();
        patch.fieldNames().forEachRemaining(name -> {
            if (!KEYS.contains(name)) {
                errors.add("unknown setting '" + name + "' (host and port cannot change at runtime)");
            }
        });
        Duration latency = millis(patch, "latencyMs", current.latency(), errors);
        Duration jitter = millis(patch, "jitterMs", current.latencyJitter(), errors);
        Duration retryAfter = millis(patch, "retryAfterMs", current.retryAfter(), errors);
        double tokensPerSecond = number(patch, "tokensPerSecond", current.tokensPerSecond(), errors);
        long seed = integer(patch, "seed", current.seed(), errors);
        long rpm = integer(patch, "requestsPerMinute", current.requestsPerMinute(), errors);
        long tpm = integer(patch, "tokensPerMinute", current.tokensPerMinute(), errors);
        Map<Integer, Double> faults = faults(patch, current.faultRates(), errors);
        Set<String> keys = keys(patch, current.apiKeys(), errors);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("Invalid simulator config: " + String.join("; ", errors));
        }
        return new SimConfig(current.host(), current.port(), latency, jitter, tokensPerSecond, faults, keys, seed,
                rpm, tpm, retryAfter);
    }

    private static Duration millis(JsonNode patch, String name, Duration fallback, List<String> errors) {
        if (!patch.has(name)) {
            return fallback;
        }
        if (!patch.get(name).isIntegralNumber()) {
            errors.add(name + " must be an integer number of milliseconds, got " + patch.get(name));
            return fallback;
        }
        return Duration.ofMillis(patch.get(name).asLong());
    }

    private static double number(JsonNode patch, String name, double fallback, List<String> errors) {
        if (!patch.has(name)) {
            return fallback;
        }
        if (!patch.get(name).isNumber()) {
            errors.add(name + " must be a number, got " + patch.get(name));
            return fallback;
        }
        return patch.get(name).asDouble();
    }

    private static long integer(JsonNode patch, String name, long fallback, List<String> errors) {
        if (!patch.has(name)) {
            return fallback;
        }
        if (!patch.get(name).isIntegralNumber()) {
            errors.add(name + " must be an integer, got " + patch.get(name));
            return fallback;
        }
        return patch.get(name).asLong();
    }

    private static Map<Integer, Double> faults(JsonNode patch, Map<Integer, Double> fallback, List<String> errors) {
        JsonNode faults = patch.get("faultRates");
        if (faults == null) {
            return fallback;
        }
        if (!faults.isObject()) {
            errors.add("faultRates must be an object of status to probability, e.g. {\"429\": 0.1}");
            return fallback;
        }
        Map<Integer, Double> rates = new HashMap<>();
        faults.properties().forEach(entry -> {
            try {
                int status = Integer.parseInt(entry.getKey());
                if (entry.getValue().isNumber()) {
                    rates.put(status, entry.getValue().asDouble());
                } else {
                    errors.add("faultRates[" + status + "] must be a number, got " + entry.getValue());
                }
            } catch (NumberFormatException e) {
                errors.add("faultRates key must be an HTTP status, got '" + entry.getKey() + "'");
            }
        });
        return rates;
    }

    private static Set<String> keys(JsonNode patch, Set<String> fallback, List<String> errors) {
        JsonNode keys = patch.get("apiKeys");
        if (keys == null) {
            return fallback;
        }
        if (!keys.isArray()) {
            errors.add("apiKeys must be an array of strings");
            return fallback;
        }
        Set<String> result = new LinkedHashSet<>();
        keys.forEach(key -> result.add(key.asText()));
        return result;
    }
}
