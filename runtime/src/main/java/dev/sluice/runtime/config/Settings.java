package dev.sluice.runtime.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Typed, validated reading of a {@link ConfigSource}. Each getter checks its value and records
 * a problem instead of throwing, so that {@link #validate()} reports every bad setting at once.
 * Every key read is remembered with its effective value (secrets masked) for the start-up log.
 *
 * <p>The keys read are also what {@link #validate()} holds the source to: a key in the file, or a
 * {@code SLUICE_*} variable, that the service did not read is a typo until shown otherwise, and is
 * reported with the nearest key it did read. One file or environment may serve every service, so
 * a key of a section this service reads nothing from, but another Sluice service does
 * ({@link #SECTIONS}), is left to that service; a key of a section no Sluice service has is
 * reported. Keys under a pass-through prefix ({@link #passThrough}) are never unknown. A variable
 * whose first word is no section ({@code SLUICE_HOME}, {@code SLUICE_JAVA_OPTS}, {@code
 * SLUICE_CONFIG}) is not a setting at all and is left alone.
 */
public final class Settings {
    /**
     * The first segment of every Sluice setting, whichever service reads it. A new top-level
     * section must be added here, or a file shared with a service that does not read it is refused.
     */
    public static final Set<String> SECTIONS = Set.of(
            "kafka",
            "schema",
            "topics",
            "models",
            "ops",
            "requests",
            "router",
            "worker",
            "providers",
            "sink",
            "webhooks",
            "ingest",
            "tracing");

    /**
     * Keys renamed so that every key reads in one order: section, what it sets, then {@code max}
     * or {@code min}, then the measure ({@code worker.batch.max.bytes}). A file or variable that
     * still sets the old name is refused with the new one, rather than read under either name.
     */
    static final Map<String, String> RENAMED = Map.of(
            "worker.retry.after.max", "worker.max.retry.after",
            "ingest.max.batch.body.bytes", "ingest.batch.max.body.bytes",
            "sink.stuck.after.batch", "sink.batch.stuck.after");

    private final ConfigSource source;
    private final List<String> problems = new ArrayList<>();
    private final Map<String, String> effective = new LinkedHashMap<>();
    private final Set<String> passThroughPrefixes = new LinkedHashSet<>();

    public Settings(ConfigSource source) {
        this.source = source;
    }

    /** A whole configuration read from a source by {@code reader} and validated: every problem at once, or the config. */
    public static <C> C read(ConfigSource source, java.util.function.Function<Settings, C> reader) {
        Settings settings = new Settings(source);
        C config = reader.apply(settings);
        settings.validate();
        return config;
    }

    public ConfigSource source() {
        return source;
    }

    private String raw(String key) {
        String v = source.get(key);
        return v == null ? null : v.strip();
    }

    public String string(String key, String defaultValue) {
        String v = raw(key);
        String out = v == null || v.isEmpty() ? defaultValue : v;
        effective.put(key, out);
        return out;
    }

    public String required(String key) {
        String v = raw(key);
        if (v == null || v.isEmpty()) {
            problems.add(key + " is required (environment variable " + ConfigSource.envName(key) + ")");
        }
        effective.put(key, v);
        return v;
    }

    public int intValue(String key, int defaultValue, int min, int max) {
        String v = raw(key);
        int out = defaultValue;
        if (v != null && !v.isEmpty()) {
            try {
                out = Integer.parseInt(v.replace("_", ""));
                if (out < min || out > max) {
                    problems.add(key + " = " + v + " is out of range [" + min + ", " + max + "]");
                }
            } catch (NumberFormatException e) {
                problems.add(key + " = '" + v + "' is not a whole number");
            }
        }
        effective.put(key, Integer.toString(out));
        return out;
    }

    public long longValue(String key, long defaultValue, long min, long max) {
        String v = raw(key);
        long out = defaultValue;
        if (v != null && !v.isEmpty()) {
            try {
                out = Long.parseLong(v.replace("_", ""));
                if (out < min || out > max) {
                    problems.add(key + " = " + v + " is out of range [" + min + ", " + max + "]");
                }
            } catch (NumberFormatException e) {
                problems.add(key + " = '" + v + "' is not a whole number");
            }
        }
        effective.put(key, Long.toString(out));
        return out;
    }

    /** A size in bytes, written as a number or with a binary unit: 65536, 512KB, 32MB, 1GB (1 KB = 1024 bytes). */
    public long bytes(String key, long defaultValue, long min, long max) {
        String v = raw(key);
        long out = defaultValue;
        if (v != null && !v.isEmpty()) {
            try {
                out = parseBytes(v);
                if (out < min || out > max) {
                    problems.add(key + " = " + v + " is out of range [" + min + ", " + max + "] bytes");
                }
            } catch (IllegalArgumentException e) {
                problems.add(key + " = '" + v + "' is not a size (e.g. 65536, 512KB, 32MB, 1GB)");
            }
        }
        effective.put(key, Long.toString(out));
        return out;
    }

    static long parseBytes(String text) {
        String t = text.strip().replace("_", "").toUpperCase(Locale.ROOT);
        int shift = 0;
        for (String[] unit : new String[][] {{"KB", "10"}, {"MB", "20"}, {"GB", "30"}, {"B", "0"}}) {
            if (t.endsWith(unit[0])) {
                shift = Integer.parseInt(unit[1]);
                t = t.substring(0, t.length() - unit[0].length()).strip();
                break;
            }
        }
        long n = Long.parseLong(t);
        if (n < 0 || (shift > 0 && n > (Long.MAX_VALUE >> shift))) {
            throw new IllegalArgumentException("size out of range: " + text);
        }
        return n << shift;
    }

    public boolean bool(String key, boolean defaultValue) {
        String v = raw(key);
        boolean out = defaultValue;
        if (v != null && !v.isEmpty()) {
            switch (v.toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on", "1" -> out = true;
                case "false", "no", "off", "0" -> out = false;
                default -> problems.add(key + " = '" + v + "' is not true or false");
            }
        }
        effective.put(key, Boolean.toString(out));
        return out;
    }

    /** A duration written as ISO-8601 (PT5S) or a number with a unit: 250ms, 5s, 2m, 1h, 1d. */
    public Duration duration(String key, Duration defaultValue, Duration min, Duration max) {
        String v = raw(key);
        Duration out = defaultValue;
        if (v != null && !v.isEmpty()) {
            try {
                out = parseDuration(v);
                if (out.compareTo(min) < 0 || out.compareTo(max) > 0) {
                    problems.add(key + " = " + v + " is out of range [" + min + ", " + max + "]");
                }
            } catch (IllegalArgumentException e) {
                problems.add(key + " = '" + v + "' is not a duration (e.g. 250ms, 5s, 2m, 1h, PT30S)");
            }
        }
        effective.put(key, out == null ? null : out.toString());
        return out;
    }

    /** A comma-separated list of durations, each checked against the range. */
    public List<Duration> durations(String key, List<Duration> defaultValue, Duration min, Duration max) {
        String v = raw(key);
        if (v == null || v.isEmpty()) {
            effective.put(key, defaultValue.toString());
            return defaultValue;
        }
        List<Duration> out = new ArrayList<>();
        for (String part : v.split(",")) {
            try {
                Duration d = parseDuration(part);
                if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
                    problems.add(key + " step " + part.strip() + " is out of range [" + min + ", " + max + "]");
                }
                out.add(d);
            } catch (IllegalArgumentException e) {
                problems.add(key + " step '" + part.strip() + "' is not a duration (e.g. 5s, 30s, 5m)");
            }
        }
        effective.put(key, out.toString());
        return List.copyOf(out);
    }

    public <E extends Enum<E>> E enumValue(String key, Class<E> type, E defaultValue) {
        String v = raw(key);
        E out = defaultValue;
        if (v != null && !v.isEmpty()) {
            try {
                out = Enum.valueOf(type, v.toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                problems.add(key + " = '" + v + "' is not one of " + Arrays.toString(type.getEnumConstants()));
            }
        }
        effective.put(key, out == null ? null : out.name());
        return out;
    }

    /** An http(s) URL; a trailing slash is dropped. */
    public String url(String key, String defaultValue) {
        String v = string(key, defaultValue);
        if (v == null) {
            return null;
        }
        for (String part : v.split(",")) {
            try {
                URI uri = URI.create(part.strip());
                if (uri.getScheme() == null
                        || !(uri.getScheme().equals("http")
                                || uri.getScheme().equals("https")
                                || uri.getScheme().equals("mock"))
                        || uri.getHost() == null && !"mock".equals(uri.getScheme())) {
                    problems.add(key + " = '" + part.strip() + "' is not an http(s) URL");
                }
            } catch (IllegalArgumentException e) {
                problems.add(key + " = '" + part.strip() + "' is not a URL: " + e.getMessage());
            }
        }
        return v.endsWith("/") ? v.substring(0, v.length() - 1) : v;
    }

    public Path path(String key, Path defaultValue) {
        String v = raw(key);
        Path out = v == null || v.isEmpty() ? defaultValue : Path.of(v);
        effective.put(key, out == null ? null : out.toString());
        return out;
    }

    public List<String> list(String key, List<String> defaultValue) {
        String v = raw(key);
        List<String> out = v == null || v.isEmpty()
                ? defaultValue
                : Arrays.stream(v.split(","))
                        .map(String::strip)
                        .filter(s -> !s.isEmpty())
                        .toList();
        effective.put(key, String.join(",", out));
        return out;
    }

    public Secret secret(String key) {
        Secret s = Secret.of(raw(key));
        effective.put(key, s.toString());
        return s;
    }

    /**
     * Every key under {@code prefix} (ending in a dot), the prefix removed, for settings handed on
     * unread ({@code kafka.client.*} to the Kafka clients): any key below it is allowed.
     */
    public Map<String, String> passThrough(String prefix) {
        passThroughPrefixes.add(prefix);
        return source.withPrefix(prefix);
    }

    /** Records a problem found by a cross-field check. */
    public void problem(String message) {
        problems.add(message);
    }

    /**
     * Throws a {@link ConfigException} listing every problem, if there is any: bad values, and keys
     * set but never read. Call it once the service's whole configuration has been read.
     */
    public void validate() {
        List<String> all = new ArrayList<>(problems);
        all.addAll(unknownKeys());
        if (!all.isEmpty()) {
            throw new ConfigException(all);
        }
    }

    /** Keys and {@code SLUICE_*} variables set for this service that it did not read, each with the nearest it did. */
    List<String> unknownKeys() {
        Set<String> ownSections = new HashSet<>();
        effective.keySet().forEach(k -> ownSections.add(section(k)));
        passThroughPrefixes.forEach(p -> ownSections.add(section(p)));
        List<String> out = new ArrayList<>();
        for (String key : source.keys()) {
            String section = section(key);
            if (effective.containsKey(key)
                    || passedThrough(key)
                    || SECTIONS.contains(section) && !ownSections.contains(section)) {
                continue;
            }
            if (RENAMED.containsKey(key)) {
                out.add("setting " + key + " was renamed " + RENAMED.get(key) + " (" + source.origin() + ")");
                continue;
            }
            out.add("unknown setting " + key + " (" + source.origin() + ")"
                    + nearest(key, effective.keySet())
                            .map(k -> "; did you mean " + k + "?")
                            .orElse("; no setting of this service is like it"));
        }
        Map<String, String> keysByVariable = new HashMap<>();
        effective.keySet().forEach(k -> keysByVariable.put(ConfigSource.envName(k), k));
        for (String variable : source.environmentNames()) {
            String first = variable.substring(ConfigSource.ENV_PREFIX.length())
                    .split("_", 2)[0]
                    .toLowerCase(Locale.ROOT);
            if (!SECTIONS.contains(first)
                    || !ownSections.contains(first)
                    || keysByVariable.containsKey(variable)
                    || passThroughPrefixes.stream().anyMatch(p -> variable.startsWith(ConfigSource.envName(p)))) {
                continue;
            }
            String renamed = RENAMED.keySet().stream()
                    .filter(k -> ConfigSource.envName(k).equals(variable))
                    .findFirst()
                    .map(RENAMED::get)
                    .orElse(null);
            if (renamed != null) {
                out.add("environment variable " + variable + " was renamed " + ConfigSource.envName(renamed) + " ("
                        + renamed + ")");
                continue;
            }
            out.add("unknown environment variable " + variable
                    + nearest(variable, keysByVariable.keySet())
                            .map(v -> "; did you mean " + v + " (" + keysByVariable.get(v) + ")?")
                            .orElse("; no setting of this service is like it"));
        }
        return out;
    }

    private boolean passedThrough(String key) {
        return passThroughPrefixes.stream().anyMatch(key::startsWith);
    }

    private static String section(String key) {
        int dot = key.indexOf('.');
        return dot < 0 ? key : key.substring(0, dot);
    }

    /** The candidate nearest to {@code key} by edit distance, if it is near enough to be what was meant. */
    static java.util.Optional<String> nearest(String key, java.util.Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = editDistance(key, c);
            if (d < bestDistance || d == bestDistance && best != null && c.compareTo(best) < 0) {
                best = c;
                bestDistance = d;
            }
        }
        // A third of the key's length: a missing letter or two, a swapped word, not another setting.
        return best != null && bestDistance <= Math.max(2, key.length() / 3)
                ? java.util.Optional.of(best)
                : java.util.Optional.empty();
    }

    static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /** The effective configuration, one "key = value" per line, secrets masked. */
    public String describe() {
        StringBuilder sb = new StringBuilder("Effective configuration (from ")
                .append(source.origin())
                .append("):");
        effective.forEach((k, v) -> sb.append("\n  ").append(k).append(" = ").append(v));
        return sb.toString();
    }

    static Duration parseDuration(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.startsWith("p")) {
            return Duration.parse(t.toUpperCase(Locale.ROOT));
        }
        int split = 0;
        while (split < t.length() && (Character.isDigit(t.charAt(split)) || t.charAt(split) == '_')) {
            split++;
        }
        if (split == 0) {
            throw new IllegalArgumentException(text);
        }
        long n = Long.parseLong(t.substring(0, split).replace("_", ""));
        return switch (t.substring(split).strip()) {
            case "ms" -> Duration.ofMillis(n);
            case "s", "" -> Duration.ofSeconds(n);
            case "m", "min" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> throw new IllegalArgumentException(text);
        };
    }
}
