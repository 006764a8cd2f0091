package dev.sluice.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Prometheus text-format scrape read into its families (HELP, TYPE) and samples (name, labels, value). */
record Scrape(String service, String text, Map<String, String> help, Map<String, String> types, List<Sample> samples) {
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    record Sample(String name, Map<String, String> labels, String value) {
        boolean has(Map<String, String> wanted) {
            return labels.entrySet().containsAll(wanted.entrySet());
        }

        /** Name and labels: what Prometheus takes as the series' identity. */
        String series() {
            return name + labels;
        }
    }

    static Scrape of(String service, String text) {
        Map<String, String> help = new HashMap<>();
        Map<String, String> types = new HashMap<>();
        List<Sample> samples = new ArrayList<>();
        for (String line : text.lines().toList()) {
            if (line.startsWith("# HELP ")) {
                String[] parts = line.substring(7).split(" ", 2);
                help.put(parts[0], parts.length > 1 ? parts[1] : "");
            } else if (line.startsWith("# TYPE ")) {
                String[] parts = line.substring(7).split(" ", 2);
                types.put(parts[0], parts[1]);
            } else if (!line.isBlank() && !line.startsWith("#")) {
                int brace = line.indexOf('{');
                int space = line.lastIndexOf(' ');
                String name = brace >= 0 && brace < space ? line.substring(0, brace) : line.substring(0, space);
                Map<String, String> labels = new LinkedHashMap<>();
                if (brace >= 0 && brace < space) {
                    Matcher m = LABEL.matcher(line.substring(brace, line.lastIndexOf('}')));
                    while (m.find()) {
                        labels.put(m.group(1), m.group(2));
                    }
                }
                samples.add(new Sample(name, labels, line.substring(space + 1)));
            }
        }
        return new Scrape(service, text, help, types, samples);
    }

    /** The samples of a family: the metric itself, or a histogram's _bucket, _count and _sum. */
    List<Sample> samples(String name) {
        return samples.stream().filter(s -> s.name().equals(name)).toList();
    }

    boolean hasSeries(String name, Map<String, String> labels) {
        return samples(name).stream().anyMatch(s -> s.has(labels));
    }

    /** Series that appear more than once: a scrape Prometheus would reject. */
    List<String> duplicates() {
        Map<String, Integer> seen = new HashMap<>();
        samples.forEach(s -> seen.merge(s.series(), 1, Integer::sum));
        return seen.entrySet().stream()
                .filter(e -> e.getValue() > 1)
                .map(Map.Entry::getKey)
                .sorted()
                .toList();
    }
}
