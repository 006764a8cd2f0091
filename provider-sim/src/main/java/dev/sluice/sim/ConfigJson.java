package dev.sluice.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The JSON form of {@link SimConfig} for {@code GET/POST /sim/config}. A POST body is a patch:
 * only the keys it names change. Host and port are not in it because the socket is already bound.
 */
final class ConfigJson {

    static final Set<String> KEYS = Set.of(
            "latencyMs",
            "jitterMs",
            "latencyDistribution",
            "latencyP99Ms",
            "tokensPerSecond",
            "faultRates",
            "outages",
            "apiKeys",
            "seed",
            "requestsPerMinute",
            "tokensPerMinute",
            "retryAfterMs",
            "promptCache",
            "batchProcessingTimeMs",
            "batchLineFailureRate",
            "batchLineExpiryRate");
    static final Set<String> OUTAGE_KEYS =
            Set.of("startMs", "durationMs", "status", "everyMs", "protocol", "model", "rate");

    private ConfigJson() {}

    static ObjectNode write(SimState state, SimConfig config) {
        ObjectNode json = state.json.createObjectNode();
        json.put("latencyMs", config.latency().toMillis());
        json.put("jitterMs", config.latencyJitter().toMillis());
        json.put("latencyDistribution", config.latencyDistribution().wireName());
        json.put("latencyP99Ms", config.latencyP99().toMillis());
        json.put("tokensPerSecond", config.tokensPerSecond());
        ObjectNode faults = json.putObject("faultRates");
        config.faultRates().forEach((status, rate) -> faults.put(status.toString(), rate));
        ArrayNode outages = json.putArray("outages");
        for (Outage outage : config.outages()) {
            ObjectNode entry = outages.addObject();
            entry.put("startMs", outage.start().toMillis());
            entry.put("durationMs", outage.duration().toMillis());
            if (outage.hangs()) {
                entry.put("status", "hang");
            } else {
                entry.put("status", outage.status());
            }
            entry.put("everyMs", outage.every().toMillis());
            entry.put("protocol", outage.protocol());
            entry.put("model", outage.model());
            entry.put("rate", outage.rate());
        }
        json.put("apiKeys", config.apiKeys().size());
        json.put("seed", config.seed());
        json.put("requestsPerMinute", config.requestsPerMinute());
        json.put("tokensPerMinute", config.tokensPerMinute());
        json.put("retryAfterMs", config.retryAfter().toMillis());
        json.put("promptCache", config.promptCache());
        json.put("batchProcessingTimeMs", config.batchProcessingTime().toMillis());
        json.put("batchLineFailureRate", config.batchLineFailureRate());
        json.put("batchLineExpiryRate", config.batchLineExpiryRate());
        return json;
    }

    /** Applies a patch; every problem in it is reported in one exception. */
    static SimConfig apply(SimConfig current, JsonNode patch) {
        if (patch == null || !patch.isObject()) {
            throw new IllegalArgumentException("body must be a JSON object with any of " + new TreeSet<>(KEYS));
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
        Duration p99 = millis(patch, "latencyP99Ms", current.latencyP99(), errors);
        SimConfig.LatencyDistribution distribution = distribution(patch, current.latencyDistribution(), errors);
        boolean promptCache = bool(patch, "promptCache", current.promptCache(), errors);
        List<Outage> outages = outages(patch, current.outages(), errors);
        double tokensPerSecond = number(patch, "tokensPerSecond", current.tokensPerSecond(), errors);
        long seed = integer(patch, "seed", current.seed(), errors);
        long rpm = integer(patch, "requestsPerMinute", current.requestsPerMinute(), errors);
        long tpm = integer(patch, "tokensPerMinute", current.tokensPerMinute(), errors);
        Map<Integer, Double> faults = faults(patch, current.faultRates(), errors);
        Set<String> keys = keys(patch, current.apiKeys(), errors);
        Duration batchTime = millis(patch, "batchProcessingTimeMs", current.batchProcessingTime(), errors);
        double lineFailures = number(patch, "batchLineFailureRate", current.batchLineFailureRate(), errors);
        double lineExpiries = number(patch, "batchLineExpiryRate", current.batchLineExpiryRate(), errors);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("Invalid simulator config: " + String.join("; ", errors));
        }
        return new SimConfig(
                current.host(),
                current.port(),
                latency,
                jitter,
                distribution,
                p99,
                tokensPerSecond,
                faults,
                outages,
                keys,
                seed,
                rpm,
                tpm,
                retryAfter,
                promptCache,
                batchTime,
                lineFailures,
                lineExpiries);
    }

    /**
     * One outage object ({@code {"startMs":5000,"durationMs":30000,"status":503}}, status may be
     * {@code "hang"}); null when it has errors, which go to {@code errors}, range checks
     * included. The CLI's {@code --outage k=v,...} is read through here too.
     */
    static Outage outage(JsonNode node, String path, List<String> errors) {
        if (node == null || !node.isObject()) {
            errors.add(path + " must be an object with " + new TreeSet<>(OUTAGE_KEYS));
            return null;
        }
        int before = errors.size();
        node.fieldNames().forEachRemaining(name -> {
            if (!OUTAGE_KEYS.contains(name)) {
                errors.add(path + ": unknown key '" + name + "' (known: " + new TreeSet<>(OUTAGE_KEYS) + ")");
            }
        });
        for (String required : List.of("startMs", "durationMs")) {
            if (!Json.present(node.get(required))) {
                errors.add(path + "." + required + " is required");
            }
        }
        Duration start = millis(node, "startMs", Duration.ZERO, errors, path + ".");
        Duration duration = millis(node, "durationMs", Duration.ZERO, errors, path + ".");
        Duration every = Json.present(node.get("everyMs"))
                ? millis(node, "everyMs", Duration.ZERO, errors, path + ".")
                : Duration.ZERO;
        int status = 503;
        JsonNode statusNode = node.get("status");
        if (Json.present(statusNode)) {
            if (statusNode.isIntegralNumber()) {
                status = statusNode.asInt();
            } else if ("hang".equals(statusNode.asText())) {
                status = Outage.HANG;
            } else {
                errors.add(path + ".status must be an HTTP status or \"hang\", got " + statusNode);
            }
        }
        String protocol = text(node, "protocol", path, errors);
        String model = text(node, "model", path, errors);
        double rate = 1.0;
        JsonNode rateNode = node.get("rate");
        if (Json.present(rateNode)) {
            if (rateNode.isNumber()) {
                rate = rateNode.asDouble();
            } else {
                errors.add(path + ".rate must be a number, got " + rateNode);
            }
        }
        if (errors.size() > before) {
            return null;
        }
        Outage outage = new Outage(start, duration, status, every, protocol, model, rate);
        // Range checks too, so that they are reported with any other problem in the same patch.
        List<String> problems = outage.problems(path);
        errors.addAll(problems);
        return problems.isEmpty() ? outage : null;
    }

    private static List<Outage> outages(JsonNode patch, List<Outage> fallback, List<String> errors) {
        JsonNode outages = patch.get("outages");
        if (outages == null) {
            return fallback;
        }
        if (!outages.isArray()) {
            errors.add(
                    "outages must be an array of objects, e.g. [{\"startMs\":0,\"durationMs\":30000,\"status\":503}]");
            return fallback;
        }
        List<Outage> result = new ArrayList<>();
        for (int i = 0; i < outages.size(); i++) {
            Outage outage = outage(outages.get(i), "outages[" + i + "]", errors);
            if (outage != null) {
                result.add(outage);
            }
        }
        return result;
    }

    private static String text(JsonNode node, String name, String path, List<String> errors) {
        JsonNode value = node.get(name);
        if (!Json.present(value)) {
            return null;
        }
        if (!value.isTextual()) {
            errors.add(path + "." + name + " must be a string, got " + value);
            return null;
        }
        return value.asText();
    }

    private static SimConfig.LatencyDistribution distribution(
            JsonNode patch, SimConfig.LatencyDistribution fallback, List<String> errors) {
        if (!patch.has("latencyDistribution")) {
            return fallback;
        }
        try {
            return SimConfig.LatencyDistribution.parse(
                    patch.get("latencyDistribution").asText());
        } catch (IllegalArgumentException e) {
            errors.add(e.getMessage());
            return fallback;
        }
    }

    private static boolean bool(JsonNode patch, String name, boolean fallback, List<String> errors) {
        if (!patch.has(name)) {
            return fallback;
        }
        if (!patch.get(name).isBoolean()) {
            errors.add(name + " must be true or false, got " + patch.get(name));
            return fallback;
        }
        return patch.get(name).asBoolean();
    }

    private static Duration millis(JsonNode patch, String name, Duration fallback, List<String> errors) {
        return millis(patch, name, fallback, errors, "");
    }

    private static Duration millis(JsonNode patch, String name, Duration fallback, List<String> errors, String prefix) {
        if (!patch.has(name)) {
            return fallback;
        }
        if (!patch.get(name).isIntegralNumber()) {
            errors.add(prefix + name + " must be an integer number of milliseconds, got " + patch.get(name));
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
