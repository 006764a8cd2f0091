package dev.sluice.runtime.catalogue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sluice.model.Tier;
import dev.sluice.runtime.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The models Sluice may call, their prices and limits, and each tier's model chain. Loaded from
 * YAML ({@code models.yaml} on the classpath unless a file is given) and checked whole: every
 * problem is reported at once, and a tier that names an unknown model is an error.
 */
public final class ModelCatalogue {
    private static final BigDecimal MICROS = BigDecimal.valueOf(1_000_000);

    private final Map<String, ModelSpec> models;
    private final Map<Tier, List<String>> chains;

    public ModelCatalogue(Map<String, ModelSpec> models, Map<Tier, List<String>> chains) {
        this.models = Map.copyOf(models);
        this.chains = Map.copyOf(chains);
    }

    public static ModelCatalogue loadDefault() {
        try (InputStream in = ModelCatalogue.class.getResourceAsStream("/models.yaml")) {
            if (in == null) {
                throw new IllegalStateException("models.yaml is missing from the classpath");
            }
            return parse(new ObjectMapper(new YAMLFactory()).readTree(in), "classpath:models.yaml");
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read the built-in models.yaml", e);
        }
    }

    /** The file when given, else the built-in catalogue. */
    public static ModelCatalogue load(Path file) {
        if (file == null) {
            return loadDefault();
        }
        try {
            return parse(new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(file)), file.toString());
        } catch (IOException e) {
            throw new ConfigException(List.of("Model catalogue " + file + " cannot be read: " + e.getMessage()));
        }
    }

    static ModelCatalogue parse(JsonNode root, String origin) {
        List<String> problems = new ArrayList<>();
        Map<String, ModelSpec> models = new LinkedHashMap<>();
        JsonNode providers = root.path("providers");
        root.path("models").properties().forEach(e -> {
            String name = e.getKey();
            JsonNode m = e.getValue();
            String provider = m.path("provider").asText("");
            if (provider.isEmpty()) {
                problems.add("model " + name + ": provider is required");
            }
            boolean batchApi = m.has("batchApi")
                    ? m.path("batchApi").asBoolean()
                    : providers.path(provider).path("batchApi").asBoolean(false);
            long batchInput = price(m, "batchInput", name, problems, false);
            models.put(
                    name,
                    new ModelSpec(
                            name,
                            provider,
                            price(m, "input", name, problems, true),
                            price(m, "cachedInput", name, problems, false),
                            price(m, "cacheWrite5m", name, problems, false),
                            price(m, "cacheWrite1h", name, problems, false),
                            price(m, "output", name, problems, true),
                            batchInput,
                            price(m, "batchOutput", name, problems, false),
                            m.path("contextWindow").asInt(128_000),
                            m.path("maxOutputTokens").asInt(16_384),
                            m.path("minCacheTokens").asInt(1024),
                            m.path("rpm").asInt(10_000),
                            m.path("tpm").asLong(10_000_000),
                            batchApi,
                            m.has("batchCachedInput") ? price(m, "batchCachedInput", name, problems, true) : batchInput,
                            m.has("batchCacheWrite5m")
                                    ? price(m, "batchCacheWrite5m", name, problems, true)
                                    : batchInput));
        });
        Map<Tier, List<String>> chains = new EnumMap<>(Tier.class);
        for (Tier tier : List.of(Tier.SMALL, Tier.MEDIUM, Tier.LARGE)) {
            JsonNode chain = root.path("tiers").path(tier.name().toLowerCase(Locale.ROOT));
            List<String> names = new ArrayList<>();
            chain.forEach(n -> names.add(n.asText()));
            if (names.isEmpty()) {
                problems.add("tier " + tier.topicSegment() + " has no models");
            }
            names.stream()
                    .filter(n -> !models.containsKey(n))
                    .forEach(n -> problems.add("tier " + tier.topicSegment() + " names unknown model " + n));
            chains.put(tier, names);
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(
                    problems.stream().map(p -> origin + ": " + p).toList());
        }
        return new ModelCatalogue(models, chains);
    }

    /** USD per million tokens as written (a string or number), to micro-dollars, exactly. */
    private static long price(JsonNode model, String field, String name, List<String> problems, boolean required) {
        JsonNode v = model.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                problems.add("model " + name + ": " + field + " price is required");
            }
            return 0;
        }
        try {
            BigDecimal usd = new BigDecimal(v.asText());
            if (usd.signum() < 0) {
                problems.add("model " + name + ": " + field + " price is negative");
                return 0;
            }
            return usd.multiply(MICROS).longValueExact();
        } catch (ArithmeticException | NumberFormatException e) {
            problems.add("model " + name + ": " + field + " price '" + v.asText()
                    + "' is not a dollar amount with at most 6 decimals");
            return 0;
        }
    }

    public Optional<ModelSpec> model(String name) {
        return Optional.ofNullable(models.get(name));
    }

    public ModelSpec require(String name) {
        ModelSpec m = models.get(name);
        if (m == null) {
            throw new IllegalArgumentException("Model " + name + " is not in the catalogue");
        }
        return m;
    }

    public Map<String, ModelSpec> models() {
        return models;
    }

    /** The models a tier tries, in order. */
    public List<String> chain(Tier tier) {
        List<String> chain = chains.get(tier);
        if (chain == null) {
            throw new IllegalArgumentException("No model chain for tier " + tier);
        }
        return chain;
    }
}
