package dev.sluice.cli.tenants;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sluice.model.BudgetPolicy;
import dev.sluice.model.InjectionPolicy;
import dev.sluice.model.TenantConfig;
import dev.sluice.model.Tier;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A tenant as a YAML or JSON file, read strictly: unknown fields, wrong types, unknown tiers or
 * models and malformed URLs are all reported at once, each with its path in the file, and
 * nothing is written while any remains. Budgets may be given exactly in dollars
 * ({@code dailyBudgetUsd: "50.00"}) or in micro-dollars ({@code dailyBudgetMicros: 50000000}).
 */
public final class TenantFile {
    static final Pattern TENANT_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    static final Pattern CATEGORY = Pattern.compile("[A-Za-z0-9._-]{1,100}");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final BigDecimal MICROS = BigDecimal.valueOf(1_000_000);

    /** A tenant file that does not describe a valid tenant; {@code problems} lists why. */
    public static final class Invalid extends Exception {
        private final List<String> problems;

        Invalid(String source, List<String> problems) {
            super(source + ": " + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + ":\n  - "
                    + String.join("\n  - ", problems));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }

    private final ModelCatalogue catalogue;
    private final List<String> problems = new ArrayList<>();

    private TenantFile(ModelCatalogue catalogue) {
        this.catalogue = catalogue;
    }

    /**
     * A tenant as a file describes it, and whether the file says if it is paused: a file that does
     * not leaves the tenant as {@code sluice tenants pause|resume} last set it.
     */
    public record Stated(TenantConfig tenant, boolean statesPause) {}

    public static TenantConfig read(Path file, ModelCatalogue catalogue) throws Invalid {
        return readStated(file, catalogue).tenant();
    }

    public static Stated readStated(Path file, ModelCatalogue catalogue) throws Invalid {
        JsonNode root;
        try {
            String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
            root = (name.endsWith(".json") ? JSON : YAML).readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new Invalid(file.toString(), List.of("cannot be read: " + e.getMessage()));
        }
        return new Stated(
                parse(root, file.toString(), catalogue, Instant.now()),
                root != null && root.isObject() && root.has("paused"));
    }

    public static TenantConfig parse(JsonNode root, String source, ModelCatalogue catalogue, Instant now)
            throws Invalid {
        TenantFile f = new TenantFile(catalogue);
        TenantConfig tenant = f.tenant(root);
        if (!f.problems.isEmpty()) {
            throw new Invalid(source, f.problems);
        }
        return tenant.withPaused(tenant.paused(), now);
    }

    private TenantConfig tenant(JsonNode root) {
        if (root == null || !root.isObject()) {
            problems.add("the file must hold one object with at least tenantId");
            return TenantConfig.basic("invalid", TenantConfig.Webhooks.NONE, Instant.EPOCH);
        }
        only(
                root,
                "",
                Set.of(
                        "tenantId",
                        "plan",
                        "limits",
                        "budgetPolicy",
                        "allowedTiers",
                        "allowedModels",
                        "defaultTier",
                        "webhooks",
                        "guardrails",
                        "cache",
                        "experiments",
                        "batchThresholdSeconds",
                        "fairShareWeight",
                        "paused",
                        "routingPolicy"));
        String id = text(root, "tenantId", null);
        if (id == null) {
            problems.add("tenantId is required");
        } else if (!TENANT_ID.matcher(id).matches()) {
            problems.add("tenantId '" + id + "' must be 1-64 letters, digits, '.', '_' or '-'");
        }
        List<Tier> tiers = tiers(root.get("allowedTiers"), "allowedTiers");
        List<String> models = strings(root.get("allowedModels"), "allowedModels");
        for (String m : models) {
            if (catalogue.model(m).isEmpty()) {
                problems.add("allowedModels: " + m + " is not in the model catalogue");
            }
        }
        return new TenantConfig(
                id == null ? "invalid" : id,
                text(root, "plan", "standard"),
                limits(root.get("limits")),
                enumValue(root, "budgetPolicy", BudgetPolicy.class, BudgetPolicy.REJECT),
                tiers,
                models,
                enumValue(root, "defaultTier", Tier.class, Tier.MEDIUM),
                webhooks(root.get("webhooks")),
                guardrails(root.get("guardrails")),
                cache(root.get("cache")),
                experiments(root.get("experiments")),
                number(root, "batchThresholdSeconds", TenantConfig.DEFAULT_BATCH_THRESHOLD_SECONDS, 0, 30L * 86_400),
                (int) number(root, "fairShareWeight", 1, 1, 1000),
                Instant.EPOCH,
                bool(root, "paused", false),
                routingPolicy(root.get("routingPolicy"), models));
    }

    /** {@code routingPolicy: {bar: 0.9, models: {classification: gpt-4.1-nano}, source: ...}}, or null. */
    private TenantConfig.RoutingPolicy routingPolicy(JsonNode n, List<String> allowed) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject()) {
            problems.add("routingPolicy must be an object with bar and models");
            return null;
        }
        only(n, "routingPolicy.", Set.of("bar", "models", "source"));
        JsonNode bar = n.get("bar");
        if (bar == null || !bar.isNumber() || bar.asDouble() < 0 || bar.asDouble() > 1) {
            problems.add("routingPolicy.bar must be a pass rate from 0 to 1");
        }
        java.util.Map<String, String> models = new java.util.TreeMap<>();
        JsonNode m = n.get("models");
        if (m == null || !m.isObject()) {
            problems.add("routingPolicy.models must map each category to a model");
        } else {
            m.properties().forEach(e -> {
                String model = e.getValue().asText();
                if (!CATEGORY.matcher(e.getKey()).matches()) {
                    problems.add("routingPolicy.models: category '" + e.getKey() + "' must be 1-100 letters, digits,"
                            + " '.', '_' or '-'");
                } else if (catalogue.model(model).isEmpty()) {
                    problems.add(
                            "routingPolicy.models." + e.getKey() + ": " + model + " is not in the model catalogue");
                } else if (!allowed.isEmpty() && !allowed.contains(model)) {
                    problems.add("routingPolicy.models." + e.getKey() + ": " + model + " is not in allowedModels");
                }
                models.put(e.getKey(), model);
            });
        }
        return new TenantConfig.RoutingPolicy(bar == null ? 0 : bar.asDouble(), models, text(n, "source", null));
    }

    private TenantConfig.Limits limits(JsonNode n) {
        if (!object(n, "limits")) {
            return TenantConfig.Limits.UNLIMITED;
        }
        only(
                n,
                "limits.",
                Set.of(
                        "requestsPerMinute",
                        "tokensPerMinute",
                        "dailyBudgetUsd",
                        "dailyBudgetMicros",
                        "monthlyBudgetUsd",
                        "monthlyBudgetMicros",
                        "maxInputTokens"));
        Long rpm = optionalNumber(n, "limits.", "requestsPerMinute", 1, 10_000_000);
        Long tpm = optionalNumber(n, "limits.", "tokensPerMinute", 1, Long.MAX_VALUE);
        Long maxInput = optionalNumber(n, "limits.", "maxInputTokens", 1, 10_000_000);
        return new TenantConfig.Limits(
                rpm == null ? null : rpm.intValue(),
                tpm,
                money(n, "daily"),
                money(n, "monthly"),
                maxInput == null ? null : maxInput.intValue());
    }

    /** A budget given as exact dollars or as micro-dollars, not both. */
    private Long money(JsonNode limits, String period) {
        JsonNode usd = limits.get(period + "BudgetUsd");
        Long micros = optionalNumber(limits, "limits.", period + "BudgetMicros", 0, Long.MAX_VALUE);
        if (usd != null && micros != null) {
            problems.add("limits: give " + period + "BudgetUsd or " + period + "BudgetMicros, not both");
            return null;
        }
        if (usd == null || usd.isNull()) {
            return micros;
        }
        try {
            BigDecimal dollars = new BigDecimal(usd.asText());
            if (dollars.signum() < 0) {
                problems.add("limits." + period + "BudgetUsd is negative");
                return null;
            }
            return dollars.multiply(MICROS).longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            problems.add("limits." + period + "BudgetUsd '" + usd.asText()
                    + "' is not a dollar amount with at most 6 decimals");
            return null;
        }
    }

    private TenantConfig.Webhooks webhooks(JsonNode n) {
        if (!object(n, "webhooks")) {
            return TenantConfig.Webhooks.NONE;
        }
        only(n, "webhooks.", Set.of("endpoints", "signingSecretRefs"));
        List<String> endpoints = strings(n.get("endpoints"), "webhooks.endpoints");
        for (String e : endpoints) {
            try {
                URI uri = URI.create(e);
                if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null) {
                    problems.add("webhooks.endpoints: '" + e + "' is not an absolute http(s) URL");
                }
            } catch (IllegalArgumentException ex) {
                problems.add("webhooks.endpoints: '" + e + "' is not a URL");
            }
        }
        List<String> refs = strings(n.get("signingSecretRefs"), "webhooks.signingSecretRefs");
        for (String r : refs) {
            if (!(r.startsWith("file:") || r.startsWith("env:"))) {
                problems.add("webhooks.signingSecretRefs: a reference starts with file: or env:; the secret itself"
                        + " never goes on Kafka");
            }
        }
        if (!endpoints.isEmpty() && refs.isEmpty()) {
            problems.add(
                    "webhooks: endpoints need at least one signingSecretRefs entry (deliveries are always signed)");
        }
        return new TenantConfig.Webhooks(endpoints, refs);
    }

    private TenantConfig.Guardrails guardrails(JsonNode n) {
        if (!object(n, "guardrails")) {
            return TenantConfig.Guardrails.DEFAULT;
        }
        only(n, "guardrails.", Set.of("injection", "redactPii"));
        return new TenantConfig.Guardrails(
                enumValue(n, "injection", InjectionPolicy.class, InjectionPolicy.FLAG),
                bool(n, "guardrails.redactPii", false));
    }

    private TenantConfig.CachePolicy cache(JsonNode n) {
        if (!object(n, "cache")) {
            return TenantConfig.CachePolicy.DEFAULT;
        }
        only(
                n,
                "cache.",
                Set.of(
                        "enabled",
                        "includeNonZeroTemperature",
                        "ttlSeconds",
                        "semantic",
                        "semanticThreshold",
                        "semanticEmbedder"));
        boolean semantic = bool(n, "cache.semantic", false);
        boolean enabled = bool(n, "cache.enabled", true);
        if (semantic && !enabled) {
            problems.add("cache.semantic needs cache.enabled: a semantic hit serves an answer the exact cache keeps");
        }
        return new TenantConfig.CachePolicy(
                enabled,
                bool(n, "cache.includeNonZeroTemperature", false),
                number(n, "ttlSeconds", 86_400, 1, 365L * 86_400),
                semantic,
                threshold(n.get("semanticThreshold")),
                embedder(n.get("semanticEmbedder")));
    }

    /** Where the semantic cache's vectors come from: the router's own model, or its embeddings endpoint. */
    private String embedder(JsonNode v) {
        if (v == null || v.isNull()) {
            return TenantConfig.CachePolicy.IN_PROCESS;
        }
        if (!v.isTextual() || !TenantConfig.CachePolicy.EMBEDDERS.contains(v.asText())) {
            problems.add("cache.semanticEmbedder '" + v.asText() + "' must be " + TenantConfig.CachePolicy.IN_PROCESS
                    + " (the router's own model, the default) or " + TenantConfig.CachePolicy.OPENAI
                    + " (the embeddings endpoint in the router's router.semantic.openai.* settings)");
            return TenantConfig.CachePolicy.IN_PROCESS;
        }
        return v.asText();
    }

    /**
     * The semantic threshold: below 0.6 whole-text similarity lets through most requests that ask
     * for something else (docs/adr/0018-semantic-cache.md), so lower values are refused.
     */
    private double threshold(JsonNode v) {
        if (v == null || v.isNull()) {
            return TenantConfig.CachePolicy.DEFAULT_SEMANTIC_THRESHOLD;
        }
        if (!v.isNumber() || v.asDouble() < 0.6 || v.asDouble() > 1.0) {
            problems.add("cache.semanticThreshold '" + v.asText() + "' must be a number from 0.6 to 1.0 (default "
                    + TenantConfig.CachePolicy.DEFAULT_SEMANTIC_THRESHOLD + "; higher means fewer, surer hits)");
            return TenantConfig.CachePolicy.DEFAULT_SEMANTIC_THRESHOLD;
        }
        return v.asDouble();
    }

    private List<TenantConfig.Experiment> experiments(JsonNode n) {
        List<TenantConfig.Experiment> out = new ArrayList<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isArray()) {
            problems.add("experiments must be a list");
            return out;
        }
        for (int i = 0; i < n.size(); i++) {
            JsonNode e = n.get(i);
            String at = "experiments[" + i + "]";
            if (!e.isObject()) {
                problems.add(at + " must be an object with name and variants");
                continue;
            }
            only(e, at + ".", Set.of("name", "variants"));
            String name = text(e, "name", null);
            if (name == null) {
                problems.add(at + ".name is required");
            }
            List<TenantConfig.Variant> variants = new ArrayList<>();
            JsonNode vs = e.get("variants");
            if (vs == null || !vs.isArray() || vs.isEmpty()) {
                problems.add(at + ".variants must be a non-empty list");
            } else {
                for (int j = 0; j < vs.size(); j++) {
                    JsonNode v = vs.get(j);
                    String vat = at + ".variants[" + j + "]";
                    only(v, vat + ".", Set.of("name", "weight", "tier", "model", "promptVersion", "systemPrompt"));
                    String model = text(v, "model", null);
                    if (model != null && catalogue.model(model).isEmpty()) {
                        problems.add(vat + ".model " + model + " is not in the model catalogue");
                    }
                    String vname = text(v, "name", null);
                    if (vname == null) {
                        problems.add(vat + ".name is required");
                    }
                    variants.add(new TenantConfig.Variant(
                            vname == null ? "?" : vname,
                            (int) number(v, "weight", 1, 0, 1_000_000),
                            enumValue(v, "tier", Tier.class, null),
                            model,
                            text(v, "promptVersion", null),
                            text(v, "systemPrompt", null)));
                }
            }
            out.add(new TenantConfig.Experiment(name == null ? "?" : name, variants));
        }
        overlapping(out);
        return out;
    }

    /**
     * Every experiment applies to a job; two that both set one thing (tier, model or system prompt)
     * would leave the later one's setting unused for every user both assign, so such a pair is refused.
     * So are two experiments of one name, whose assignments would share a metadata key.
     */
    private void overlapping(List<TenantConfig.Experiment> experiments) {
        Map<String, java.util.function.Function<TenantConfig.Variant, Object>> parts = new java.util.LinkedHashMap<>();
        parts.put("tier", TenantConfig.Variant::tier);
        parts.put("model", TenantConfig.Variant::model);
        parts.put("systemPrompt", TenantConfig.Variant::systemPrompt);
        Map<String, String> setBy = new HashMap<>();
        Set<String> names = new HashSet<>();
        for (TenantConfig.Experiment e : experiments) {
            if (!names.add(e.name())) {
                problems.add("experiments: two are named " + e.name() + "; each needs its own name");
            }
            for (Map.Entry<String, java.util.function.Function<TenantConfig.Variant, Object>> part : parts.entrySet()) {
                if (e.variants().stream().anyMatch(v -> part.getValue().apply(v) != null)) {
                    String earlier = setBy.putIfAbsent(part.getKey(), e.name());
                    if (earlier != null) {
                        problems.add("experiments " + earlier + " and " + e.name() + " both set " + part.getKey()
                                + ": a user in both would get " + earlier + "'s only; run them one after the other,"
                                + " or as one experiment with a variant per combination");
                    }
                }
            }
        }
    }

    // ---- helpers that record problems instead of throwing ----

    private void only(JsonNode n, String prefix, Set<String> allowed) {
        Iterator<String> names = n.fieldNames();
        while (names.hasNext()) {
            String f = names.next();
            if (!allowed.contains(f)) {
                problems.add(prefix + f + " is not a known field (known: "
                        + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
            }
        }
    }

    private boolean object(JsonNode n, String field) {
        if (n == null || n.isNull()) {
            return false;
        }
        if (!n.isObject()) {
            problems.add(field + " must be an object");
            return false;
        }
        return true;
    }

    private String text(JsonNode n, String field, String fallback) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isValueNode() || v.asText().isBlank()) {
            problems.add(field + " must be a non-empty string");
            return fallback;
        }
        return v.asText();
    }

    private boolean bool(JsonNode n, String path, boolean fallback) {
        JsonNode v = n.get(path.substring(path.lastIndexOf('.') + 1));
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            problems.add(path + " must be true or false");
            return fallback;
        }
        return v.asBoolean();
    }

    private long number(JsonNode n, String field, long fallback, long min, long max) {
        Long v = optionalNumber(n, "", field, min, max);
        return v == null ? fallback : v;
    }

    private Long optionalNumber(JsonNode n, String prefix, String field, long min, long max) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.canConvertToLong()
                || !(v.isIntegralNumber() || v.isTextual() && v.asText().matches("\\d+"))) {
            problems.add(prefix + field + " must be a whole number");
            return null;
        }
        long value = v.asLong();
        if (value < min || value > max) {
            problems.add(prefix + field + " = " + value + " is out of range [" + min + ", " + max + "]");
            return null;
        }
        return value;
    }

    private <E extends Enum<E>> E enumValue(JsonNode n, String field, Class<E> type, E fallback) {
        String v = text(n, field, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Enum.valueOf(type, v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            problems.add(field + " '" + v + "' is not one of " + List.of(type.getEnumConstants()));
            return fallback;
        }
    }

    private List<String> strings(JsonNode n, String field) {
        List<String> out = new ArrayList<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isArray()) {
            problems.add(field + " must be a list");
            return out;
        }
        n.forEach(v -> {
            if (v.isTextual() && !v.asText().isBlank()) {
                out.add(v.asText());
            } else {
                problems.add(field + " must hold non-empty strings");
            }
        });
        return out;
    }

    private List<Tier> tiers(JsonNode n, String field) {
        List<Tier> out = new ArrayList<>();
        for (String t : strings(n, field)) {
            try {
                Tier tier = Tier.valueOf(t.toUpperCase(Locale.ROOT));
                if (tier == Tier.AUTO) {
                    problems.add(field + ": AUTO is not a tier a job runs on; list SMALL, MEDIUM or LARGE");
                } else {
                    out.add(tier);
                }
            } catch (IllegalArgumentException e) {
                problems.add(field + ": '" + t + "' is not one of SMALL, MEDIUM, LARGE");
            }
        }
        return out;
    }

    // ---- writing a tenant back out, for `sluice tenants show` ----

    /** The tenant in the file format, so that {@code show} output can be edited and put back. */
    public static ObjectNode toTree(TenantConfig t) {
        ObjectNode root = JSON.createObjectNode();
        root.put("tenantId", t.tenantId());
        root.put("plan", t.plan());
        ObjectNode limits = root.putObject("limits");
        putIfSet(limits, "requestsPerMinute", t.limits().requestsPerMinute());
        putIfSet(limits, "tokensPerMinute", t.limits().tokensPerMinute());
        putIfSet(limits, "dailyBudgetMicros", t.limits().dailyBudgetMicros());
        putIfSet(limits, "monthlyBudgetMicros", t.limits().monthlyBudgetMicros());
        putIfSet(limits, "maxInputTokens", t.limits().maxInputTokens());
        root.put("budgetPolicy", t.budgetPolicy().name());
        ArrayNode tiers = root.putArray("allowedTiers");
        t.allowedTiers().forEach(x -> tiers.add(x.name()));
        ArrayNode models = root.putArray("allowedModels");
        t.allowedModels().forEach(models::add);
        root.put("defaultTier", t.defaultTier().name());
        ObjectNode webhooks = root.putObject("webhooks");
        ArrayNode endpoints = webhooks.putArray("endpoints");
        t.webhooks().endpoints().forEach(endpoints::add);
        ArrayNode refs = webhooks.putArray("signingSecretRefs");
        t.webhooks().signingSecretRefs().forEach(refs::add);
        root.putObject("guardrails")
                .put("injection", t.guardrails().injection().name())
                .put("redactPii", t.guardrails().redactPii());
        root.putObject("cache")
                .put("enabled", t.cache().enabled())
                .put("includeNonZeroTemperature", t.cache().includeNonZeroTemperature())
                .put("ttlSeconds", t.cache().ttlSeconds())
                .put("semantic", t.cache().semantic())
                .put("semanticThreshold", t.cache().semanticThreshold())
                .put("semanticEmbedder", t.cache().semanticEmbedder());
        ArrayNode experiments = root.putArray("experiments");
        for (TenantConfig.Experiment e : t.experiments()) {
            ObjectNode en = experiments.addObject().put("name", e.name());
            ArrayNode vs = en.putArray("variants");
            for (TenantConfig.Variant v : e.variants()) {
                ObjectNode vn = vs.addObject().put("name", v.name()).put("weight", v.weight());
                if (v.tier() != null) {
                    vn.put("tier", v.tier().name());
                }
                if (v.model() != null) {
                    vn.put("model", v.model());
                }
                if (v.promptVersion() != null) {
                    vn.put("promptVersion", v.promptVersion());
                }
                if (v.systemPrompt() != null) {
                    vn.put("systemPrompt", v.systemPrompt());
                }
            }
        }
        root.put("batchThresholdSeconds", t.batchThresholdSeconds());
        root.put("fairShareWeight", t.fairShareWeight());
        if (t.paused()) {
            root.put("paused", true);
        }
        if (t.routingPolicy() != null) {
            ObjectNode policy =
                    root.putObject("routingPolicy").put("bar", t.routingPolicy().bar());
            ObjectNode byCategory = policy.putObject("models");
            t.routingPolicy().models().forEach(byCategory::put);
            if (t.routingPolicy().source() != null) {
                policy.put("source", t.routingPolicy().source());
            }
        }
        return root;
    }

    private static void putIfSet(ObjectNode n, String field, Number value) {
        if (value != null) {
            n.put(field, value.longValue());
        }
    }

    public static String toYaml(TenantConfig t) {
        try {
            return YAML.writeValueAsString(toTree(t));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String toJson(TenantConfig t) {
        return toTree(t).toPrettyString();
    }
}
