package dev.sluice.runtime.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Raw configuration: a YAML or properties file flattened to dotted keys, overlaid by environment
 * variables and then by explicit overrides. The variable for {@code kafka.bootstrap.servers} is
 * {@code SLUICE_KAFKA_BOOTSTRAP_SERVERS} (upper case, dots and dashes as underscores).
 * Typed reading and validation happen in {@link Settings}.
 */
public final class ConfigSource {
    public static final String ENV_PREFIX = "SLUICE_";

    private final Map<String, String> fileValues;
    private final Map<String, String> env;
    private final Map<String, String> overrides;
    private final String origin;

    private ConfigSource(
            Map<String, String> fileValues, Map<String, String> env, Map<String, String> overrides, String origin) {
        this.fileValues = fileValues;
        this.env = env;
        this.overrides = overrides;
        this.origin = origin;
    }

    /** Values from a file (YAML when it ends in .yaml/.yml/.json, else properties) and the process environment. */
    public static ConfigSource load(Path file) {
        return load(file, System.getenv());
    }

    /** Values from a file and an environment given in code: how a test reads a file as a service would. */
    public static ConfigSource load(Path file, Map<String, String> environment) {
        return new ConfigSource(
                file == null ? Map.of() : readFile(file),
                Map.copyOf(environment),
                Map.of(),
                file == null ? "environment" : file.toString());
    }

    /** Values given in code, as the all-in-one stack and tests configure services; no environment. */
    public static ConfigSource of(Map<String, String> values) {
        return new ConfigSource(Map.copyOf(values), Map.of(), Map.of(), "in-process");
    }

    /** Values given in code and an environment given in code: tests of what the environment may hold. */
    public static ConfigSource of(Map<String, String> values, Map<String, String> environment) {
        return new ConfigSource(Map.copyOf(values), Map.copyOf(environment), Map.of(), "in-process");
    }

    /** This source with further values that win over everything else. */
    public ConfigSource with(Map<String, String> more) {
        Map<String, String> merged = new LinkedHashMap<>(overrides);
        merged.putAll(more);
        return new ConfigSource(fileValues, env, merged, origin);
    }

    public String origin() {
        return origin;
    }

    /** The value of a key: an override, else the environment variable, else the file, else null. */
    public String get(String key) {
        String v = overrides.get(key);
        if (v != null) {
            return v;
        }
        v = env.get(envName(key));
        if (v != null) {
            return v;
        }
        return fileValues.get(key);
    }

    /**
     * Every key under a prefix, with the prefix removed: from the file, then environment variables
     * whose name starts with the prefix's variable name (underscores read as dots, which suits
     * pass-through client settings such as {@code kafka.client.sasl.mechanism}), then overrides.
     */
    public Map<String, String> withPrefix(String prefix) {
        Map<String, String> out = new TreeMap<>();
        fileValues.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        String envPrefix = envName(prefix);
        env.forEach((k, v) -> {
            if (k.startsWith(envPrefix) && k.length() > envPrefix.length()) {
                out.put(k.substring(envPrefix.length()).toLowerCase(Locale.ROOT).replace('_', '.'), v);
            }
        });
        overrides.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }

    /** Every key the file and the overrides set (not the environment's). */
    public java.util.Set<String> keys() {
        java.util.Set<String> keys = new java.util.TreeSet<>(fileValues.keySet());
        keys.addAll(overrides.keySet());
        return keys;
    }

    /** The names of the environment variables that start with {@value #ENV_PREFIX}. */
    public java.util.Set<String> environmentNames() {
        java.util.Set<String> names = new java.util.TreeSet<>();
        env.keySet().stream().filter(k -> k.startsWith(ENV_PREFIX)).forEach(names::add);
        return names;
    }

    public static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static Map<String, String> readFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(java.util.List.of("Config file " + file + " does not exist or is not a file"));
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        try {
            if (name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json")) {
                JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
                Map<String, String> out = new LinkedHashMap<>();
                if (root != null) {
                    flatten("", root, out);
                }
                return out;
            }
            Properties props = new Properties();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                props.load(r);
            }
            Map<String, String> out = new LinkedHashMap<>();
            props.stringPropertyNames().forEach(k -> out.put(k, props.getProperty(k)));
            return out;
        } catch (IOException e) {
            throw new ConfigException(java.util.List.of("Config file " + file + " cannot be read: " + e.getMessage()));
        }
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        if (node.isObject()) {
            node.properties()
                    .forEach(
                            e -> flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out));
        } else if (node.isArray()) {
            StringBuilder joined = new StringBuilder();
            node.forEach(item -> {
                if (!joined.isEmpty()) {
                    joined.append(',');
                }
                joined.append(item.asText());
            });
            out.put(prefix, joined.toString());
        } else if (!node.isNull()) {
            out.put(prefix, node.asText());
        }
    }
}
